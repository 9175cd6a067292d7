import Testing
@testable import IntakeCore

/// The scanner agrees with parse-then-encode: whenever it says canonical, re-encoding the
/// parsed value gives the same bytes; whenever it says not canonical, it does not (or the
/// bytes do not parse). `unsure` may go either way.
@Suite struct CanonicalScannerTests {
    static func reference(_ bytes: [UInt8]) -> Bool {
        guard let value = try? JSONParser.parse(bytes) else { return false }
        return CanonicalJSON.encode(value) == bytes
    }

    static func scan(_ bytes: [UInt8]) -> CanonicalScanner.Verdict {
        bytes.withUnsafeBytes { CanonicalScanner.check($0) }
    }

    static func expectAgreement(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let verdict = scan(bytes)
        let truth = reference(bytes)
        switch verdict {
        case .canonical: #expect(truth, "scanner said canonical: \(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        case .notCanonical: #expect(!truth, "scanner said not canonical: \(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        case .unsure: break
        }
    }

    @Test(arguments: [
        #"{}"#, #"[]"#, #"{"a":1}"#, #"{"a":1,"b":[true,false,null]}"#, #"{"a":"x\"y\\z\n\t\r\b\f"}"#,
        #"{"a":"\u0001\u001f"}"#, #"{"a":-0.5e+10,"b":0,"c":1E3}"#, #"{"a":{"b":{"c":[]}}}"#, #"["é","😀"]"#,
        #""just a string""#, #"12"#, #"true"#,
    ])
    func canonicalInputs(text: String) {
        let bytes = Array(text.utf8)
        #expect(Self.reference(bytes))
        #expect(Self.scan(bytes) == .canonical)
    }

    @Test(arguments: [
        #"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#, #"{ "a":1}"#, #"{"a":1} "#, #"{"a":"\/"}"#, #"{"a":"\u0041"}"#,
        #"{"a":"\u000a"}"#, #"{"a":"\u001F"}"#, "{\"a\":\"\u{1}\"}", #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#,
        #"{"a":+1}"#, #"[1,]"#, #"{"a":1,}"#, #"tru"#, #"nul"#, #"{"a"}"#, #"{"a":}"#, "",
    ])
    func nonCanonicalInputs(text: String) {
        let bytes = Array(text.utf8)
        #expect(!Self.reference(bytes))
        #expect(Self.scan(bytes) == .notCanonical)
    }

    @Test func nonASCIINamesAreLeftToTheParser() {
        #expect(Self.scan(Array(#"{"é":1}"#.utf8)) == .unsure)
    }

    @Test func topLevelMembersAreReported() {
        let bytes = Array(#"{"at":"2026-11-26T00:00:00.000Z","kind":"case-opened","n":12}"#.utf8)
        var seen: [String: String] = [:]
        let verdict = bytes.withUnsafeBytes { raw in
            CanonicalScanner.check(raw) { name, range in
                seen[String(decoding: name, as: UTF8.self)] = String(decoding: raw[range], as: UTF8.self)
            }
        }
        #expect(verdict == .canonical)
        #expect(seen == ["at": "2026-11-26T00:00:00.000Z", "kind": "case-opened", "n": "12"])
    }

    /// Strings are scanned eight bytes at a time: every special byte (control, quote,
    /// backslash, DEL, non-ASCII, invalid UTF-8) at every offset of strings of every length
    /// around the word size, and two of them in one word.
    @Test func specialBytesAtEveryOffsetOfAWord() {
        let specials: [[UInt8]] = [[0x00], [0x0A], [0x1F], [0x20], [0x22], [0x5C], [0x5C, 0x6E], [0x5C, 0x75, 0x30, 0x30, 0x31, 0x66],
                                   [0x7F], [0x80], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xFF], [0x21], [0x23], [0x5B], [0x5D]]
        for length in 0...24 {
            for offset in 0...length {
                for special in specials {
                    var contents = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                    contents.insert(contentsOf: special, at: offset)
                    let bytes = Array(#"{"a":""#.utf8) + contents + Array(#""}"#.utf8)
                    Self.expectAgreement(bytes)
                    if special.count == 1 && offset + 3 < contents.count {
                        var twice = contents
                        twice[offset + 3] = special[0]
                        Self.expectAgreement(Array(#"{"a":""#.utf8) + twice + Array(#""}"#.utf8))
                    }
                }
                let plain = Array(#"{"a":""#.utf8) + (0..<length).map { _ in UInt8(ascii: "x") } + Array(#""}"#.utf8)
                #expect(Self.scan(plain) == .canonical)
            }
        }
    }

    /// Real ledger events and thousands of mutations of them: never a disagreement.
    @Test func agreesOnEventsAndTheirMutations() {
        var generator = SystemRandomNumberGenerator()
        let at = UTCInstant(secondsSinceEpoch: 1_790_000_000, nanoseconds: 123_000_000)
        let events: [LedgerEvent] = [
            .caseOpened(ref: "RR-2026-014", referred: LocalDate("2026-11-23")!, overrides: [.returns: LocalDate("2026-12-04")!], at: at),
            .agencyRegistered(id: "police", name: "Northshire \"Police\" \\ Service\n", certificateSha256: String(repeating: "a", count: 64), at: at),
            .meetingRecorded(caseRef: "RR-2026-014", held: LocalDate("2026-12-09")!, decision: "local-review", at: at),
            LedgerEvent(.submissionAccepted, at: at, ["missing": .array([.string("sign-off")]), "complete": .bool(false),
                                                       "size": .int(2309), "note": .string("naïve 😀 \u{7f}\u{1b}")]),
        ]
        for event in events {
            let entry = event.entry
            #expect(Self.scan(entry) == .canonical)
            for _ in 0..<2000 {
                var mutated = entry
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: mutated[Int.random(in: 0..<mutated.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
                case 1: mutated.insert(UInt8.random(in: 0...127, using: &generator), at: Int.random(in: 0...mutated.count, using: &generator))
                case 2: mutated.remove(at: Int.random(in: 0..<mutated.count, using: &generator))
                default:
                    let i = Int.random(in: 0..<mutated.count, using: &generator), j = Int.random(in: 0..<mutated.count, using: &generator)
                    mutated.swapAt(i, j)
                }
                Self.expectAgreement(mutated)
            }
        }
    }
}
