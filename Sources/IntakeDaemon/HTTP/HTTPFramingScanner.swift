/// A second, conservative look at an HTTP/1.1 connection's raw bytes, ahead of SwiftNIO's
/// decoder, for the two things the decoder does not say (issue 12, item 14):
///
/// - whether a request has begun but its head is not complete (a slow client that stops
///   mid-head gets 408, not a silent close);
/// - the size a chunked body declares, chunk by chunk (RFC 9112 §7.1:
///   `chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF`, `chunk-size = 1*HEXDIG`), so
///   that a chunk larger than the body limit (`FFFFFFFFFFFFFFFF`) is refused with 413 when
///   its size line arrives, not after the limit's worth of data.
///
/// It never changes what the decoder sees and never accepts anything: it can only make a
/// refusal earlier. Whatever it does not follow (an odd head, a malformed chunk line, an
/// `Upgrade`) makes it stop looking at the connection (`lost`), leaving every decision to
/// the decoder. Pure: bytes in, a verdict out.
struct HTTPFramingScanner: Sendable {
    enum Verdict: Sendable, Equatable {
        case fine
        /// A chunk (or the chunks so far) declares more than the limit.
        case overLimit(declared: UInt64)
    }

    private enum State: Sendable, Equatable {
        /// Between requests, or reading a head (`headBytes` of it so far).
        case head
        case fixedBody(remaining: UInt64)
        case chunkSize
        case chunkData(remaining: UInt64)
        case chunkDataEnd(sawCR: Bool)
        case trailers
        case lost
    }

    let limit: UInt64
    private var state: State = .head
    private var line: [UInt8] = []
    private var headLines: [[UInt8]] = []
    private var declared: UInt64 = 0
    private var headBytes = 0

    /// Longest line it follows (a head line or a chunk line); longer: `lost`.
    static let maxLine = 16 * 1024

    init(limit: Int) { self.limit = UInt64(max(limit, 0)) }

    /// Whether a request head has begun and is not yet complete.
    var isMidHead: Bool { state == .head && headBytes > 0 }
    var isLost: Bool { state == .lost }

    mutating func feed(_ bytes: some Collection<UInt8>) -> Verdict {
        var index = bytes.startIndex
        while index != bytes.endIndex {
            switch state {
            case .lost:
                return .fine
            case .fixedBody(let remaining):
                let left = Self.skip(remaining, in: bytes, at: &index)
                state = left == 0 ? .head : .fixedBody(remaining: left)
            case .chunkData(let remaining):
                let left = Self.skip(remaining, in: bytes, at: &index)
                state = left == 0 ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: left)
            case .chunkDataEnd(let sawCR):
                let byte = bytes[index]
                index = bytes.index(after: index)
                if !sawCR && byte == 0x0D { state = .chunkDataEnd(sawCR: true) } else if sawCR && byte == 0x0A { state = .chunkSize } else { state = .lost }
                continue
            case .head, .chunkSize, .trailers:
                let byte = bytes[index]
                index = bytes.index(after: index)
                if state == .head { headBytes += 1 }
                if byte != 0x0A {
                    line.append(byte)
                    if line.count > Self.maxLine { state = .lost }
                    continue
                }
                if line.last == 0x0D { line.removeLast() }
                let complete = line
                line = []
                if let verdict = endOfLine(complete) { return verdict }
            }
        }
        return .fine
    }

    private mutating func endOfLine(_ text: [UInt8]) -> Verdict? {
        switch state {
        case .head:
            if text.isEmpty {
                if headLines.isEmpty { headBytes = 0; return nil }  // a stray CRLF between requests
                endOfHead()
            } else {
                headLines.append(text)
            }
        case .chunkSize:
            guard let size = Self.chunkSize(text) else { state = .lost; return nil }
            if size == 0 { state = .trailers; return nil }
            let (total, overflow) = declared.addingReportingOverflow(size)
            declared = overflow ? UInt64.max : total
            if size > limit || declared > limit { state = .lost; return .overLimit(declared: declared) }
            state = .chunkData(remaining: size)
        case .trailers:
            if text.isEmpty { state = .head; headBytes = 0; declared = 0 }
        default:
            break
        }
        return nil
    }

    /// Moves `index` past up to `remaining` bytes of a body (what `bytes` holds of them); what
    /// is still to come.
    private static func skip<Bytes: Collection<UInt8>>(_ remaining: UInt64, in bytes: Bytes, at index: inout Bytes.Index) -> UInt64 {
        let take = min(UInt64(bytes.distance(from: index, to: bytes.endIndex)), remaining)
        index = bytes.index(index, offsetBy: Int(take))
        return remaining - take
    }

    /// RFC 9112 §6.3, as far as it matters here: chunked when Transfer-Encoding names it,
    /// else Content-Length; anything it cannot be sure of loses the connection.
    private mutating func endOfHead() {
        var chunked = false, length: UInt64?
        for line in headLines.dropFirst() {
            guard let colon = line.firstIndex(of: 0x3A) else { continue }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).lowercased().filter { $0 != " " && $0 != "\t" }
            switch name {
            case "transfer-encoding": chunked = chunked || value.contains("chunked")
            case "content-length":
                guard let parsed = UInt64(value), length == nil || length == parsed else { state = .lost; return }
                length = parsed
            case "upgrade": state = .lost; return
            default: break
            }
            if line.first == 0x20 || line.first == 0x09 { state = .lost; return }  // obs-fold
        }
        headLines = []
        headBytes = 0
        declared = 0
        if chunked { state = .chunkSize } else if let length, length > 0 { state = .fixedBody(remaining: length) } else { state = .head }
    }

    /// `1*HEXDIG [ chunk-ext ]`; nil when malformed. Saturates at `UInt64.max`.
    static func chunkSize(_ line: [UInt8]) -> UInt64? {
        var value: UInt64 = 0, digits = 0
        for byte in line {
            let digit: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(byte - UInt8(ascii: "A") + 10)
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                return digits > 0 ? value : nil
            default: return nil
            }
            digits += 1
            value = value > UInt64.max >> 4 ? UInt64.max : value << 4 | digit
        }
        return digits > 0 ? value : nil
    }
}
