@testable import IntakeDaemon
import Testing

/// Issue 12, item 14: the framing tap ahead of NIO's decoder.
@Suite struct HTTPFramingScannerTests {
    func feed(_ text: String, limit: Int = 1000, split: Int? = nil) -> (HTTPFramingScanner, [HTTPFramingScanner.Verdict]) {
        var scanner = HTTPFramingScanner(limit: limit)
        let bytes = Array(text.utf8)
        var verdicts: [HTTPFramingScanner.Verdict] = []
        let step = split ?? bytes.count
        var index = 0
        while index < bytes.count {
            verdicts.append(scanner.feed(bytes[index..<min(index + step, bytes.count)]))
            index += step
        }
        return (scanner, verdicts)
    }

    static let head = "POST /v1/submissions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

    @Test(arguments: [1, 3, 1000])
    func aChunkOverTheLimitIsSeenOnItsSizeLine(split: Int) {
        for size in ["FFFFFFFFFFFFFFFF", "3E9", "FFFFFFFFFFFFFFFFFFFFFFFF;ext=1"] {
            let (_, verdicts) = feed(Self.head + size + "\r\nab", split: split)
            #expect(verdicts.contains { if case .overLimit = $0 { true } else { false } }, "\(size)")
        }
        // Within the limit, over several chunks and requests, and a chunked body that adds up past it.
        let fine = Self.head + "10\r\n0123456789abcdef\r\n0\r\n\r\n" + Self.head + "3E8\r\n"
        #expect(feed(fine, split: split).1.allSatisfy { $0 == .fine })
        let adds = Self.head + "200\r\n" + String(repeating: "a", count: 512) + "\r\n" + "200\r\n"
        #expect(feed(adds, split: split).1.contains { if case .overLimit(1024) = $0 { true } else { false } })
    }

    @Test func aHeadBegunIsMidHeadUntilItEnds() {
        #expect(feed("POST /v1/submissions HTTP/1.1\r\nHost: intake\r\nContent-Len").0.isMidHead)
        #expect(!feed("").0.isMidHead)
        #expect(!feed("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").0.isMidHead)
        // A body of a declared length is skipped, then the next head is watched.
        let (scanner, _) = feed("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n12345GET / HT")
        #expect(scanner.isMidHead)
    }

    @Test func whatItCannotFollowItLeavesAlone() {
        for odd in [Self.head + "zz\r\n", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                    "GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n", String(repeating: "A", count: 20_000)] {
            let (scanner, verdicts) = feed(odd)
            #expect(scanner.isLost && verdicts.allSatisfy { $0 == .fine }, "\(odd.prefix(40))")
        }
    }
}
