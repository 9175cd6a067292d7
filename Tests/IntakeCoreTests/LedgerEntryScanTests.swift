import Testing
@testable import IntakeCore

/// The audit's byte-level reading of an entry answers exactly what the string-building code
/// answered: `Kind(rawValue:)`, `UTCInstant(rfc3339:) != nil`, the `envelopeSha256` text.
@Suite struct LedgerEntryScanTests {
    static func isInstant(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { LedgerEntryScan.isInstant(UnsafeRawBufferPointer($0)) }
    }

    @Test(arguments: [
        "2026-11-26T17:58:32Z", "2026-11-26T17:58:32.123Z", "1900-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
        "2028-02-29T12:00:00Z", "2000-02-29T12:00:00Z", "1900-02-29T12:00:00Z", "2026-02-29T12:00:00Z",
        "1899-12-31T23:59:59Z", "2026-11-26T24:00:00Z", "2026-11-26T23:60:00Z", "2026-11-26T23:59:60Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-04-00T00:00:00Z",
        "2026-11-26t17:58:32Z", "2026-11-26T17:58:32z", "2026-11-26T17:58:32+00:00", "2026-11-26 17:58:32Z",
        "2026-11-26T17:58:32.12Z", "2026-11-26T17:58:32.1234Z", "2026-11-26T17:58:32,123Z", "2026-11-26T17:58:32.12aZ",
        "2026/11/26T17:58:32Z", "+026-11-26T17:58:32Z", "2026-11-26T17:58:3Z", "", "Z", "٢٠٢٦-11-26T17:58:32Z",
        "2026-11-26T17:58:32.123ZZ", "2026-11-26T17:58:32Z\u{0}", "2026-11-2éT17:58:32Z",
    ])
    func instantsAsUTCInstantReadsThem(text: String) {
        #expect(Self.isInstant(text) == (UTCInstant(rfc3339: text) != nil), "\(text)")
    }

    /// Thousands of one-byte mutations of valid instants (ASCII, as members of canonical
    /// entries are valid UTF-8 and the mutations below keep them so).
    @Test func agreesWithUTCInstantOnMutations() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789-:.TZtz +".utf8)
        for seed in ["2026-11-26T17:58:32Z", "2024-02-29T23:59:59.999Z", "1900-03-01T00:00:00.000Z"] {
            for _ in 0..<3000 {
                var bytes = Array(seed.utf8)
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[index] = alphabet.randomElement(using: &generator)!
                    case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: index)
                    default: if bytes.count > 1 { bytes.remove(at: index) }
                    }
                }
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(Self.isInstant(text) == (UTCInstant(rfc3339: text) != nil), "\(text)")
            }
        }
    }

    @Test func everyKindIsReadFromItsBytesAndNothingElse() {
        for kind in LedgerEvent.Kind.allCases {
            var name = kind.rawValue
            #expect(name.withUTF8 { LedgerEvent.Kind(utf8: UnsafeRawBufferPointer($0)) } == kind)
            for other in [String(name.dropLast()), name + "s", name.uppercased(), " " + name, String(name.map { $0 == "-" ? "_" : $0 })] {
                var other = other
                #expect(other.withUTF8 { LedgerEvent.Kind(utf8: UnsafeRawBufferPointer($0)) } == LedgerEvent.Kind(rawValue: other))
            }
        }
        #expect([UInt8]().withUnsafeBytes { LedgerEvent.Kind(utf8: $0) } == nil)
    }

    @Test func scansAnEventsMembers() {
        let at = UTCInstant(secondsSinceEpoch: 1_790_000_000, nanoseconds: 123_000_000)
        let envelope = String(repeating: "ab", count: 32)
        let events: [LedgerEvent] = [
            LedgerEvent(.returnSuperseded, at: at, ["caseRef": .string("RR-2026-014"), "agencyId": .string("police"),
                                                    "version": .int(1), "supersededBy": .int(2)]),
            LedgerEvent(.submissionRejected, at: at, ["channel": .string("drop"), "envelopeSha256": .string(envelope),
                                                      "size": .int(12), "receivedAt": .string("2026-11-26T17:58:32.123Z"),
                                                      "reason": .string("malformed")]),
            .caseOpened(ref: "RR-2026-014", referred: LocalDate("2026-11-23")!, overrides: [.returns: LocalDate("2026-12-04")!], at: at),
        ]
        for event in events {
            let entry = event.entry
            let scan = entry.withUnsafeBytes { LedgerEntryScan($0) }
            #expect(scan.verdict == .canonical)
            #expect(scan.kind == event.kind)
            #expect(scan.atIsInstant)
            let found = scan.envelopeSha256.map { String(decoding: entry[$0], as: UTF8.self) }
            #expect(found == event["envelopeSha256"]?.stringValue)
        }
        // Not an object, an unknown kind, a bad time: canonical, but no kind or no instant.
        for (text, kind, instant) in [(#"["kind"]"#, nil, false), (#"{"at":"2026-11-26T17:58:32Z","kind":"x"}"#, nil, true),
                                      (#"{"at":"2026-11-26T17:58:32","kind":"case-opened"}"#, LedgerEvent.Kind.caseOpened, false),
                                      (#"{"at":12,"kind":"case-opened"}"#, .caseOpened, false)] {
            let scan = Array(text.utf8).withUnsafeBytes { LedgerEntryScan($0) }
            #expect(scan.verdict == .canonical, "\(text)")
            #expect(scan.kind == kind, "\(text)")
            #expect(scan.atIsInstant == instant, "\(text)")
        }
        #expect(Array(#"{"kind":"case-opened","at":"2026-11-26T17:58:32Z"}"#.utf8).withUnsafeBytes { LedgerEntryScan($0) }.verdict == .notCanonical)
    }
}
