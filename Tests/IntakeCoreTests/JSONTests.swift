import Testing
@testable import IntakeCore

@Suite struct JSONTests {
    static func parse(_ text: String, limits: JSONParser.Limits = .default) throws(JSONError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8), limits: limits)
    }

    static func errorCode(_ bytes: [UInt8], limits: JSONParser.Limits = .default) -> JSONError? {
        do {
            _ = try JSONParser.parse(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Accepted texts (JSONTestSuite y_ cases and more), with the value each means.

    static let accepted: [(String, JSONValue)] = [
        ("[]", .array([])),
        ("{}", .object([:])),
        (" \t\r\n[ ]\n ", .array([])),
        ("0", .number("0")),
        ("-0", .number("-0")),
        ("123", .number("123")),
        ("-12.5e+10", .number("-12.5e+10")),
        ("1E-2", .number("1E-2")),
        ("0.000", .number("0.000")),
        ("[1e1, 0e0, -0.0e-0]", .array([.number("1e1"), .number("0e0"), .number("-0.0e-0")])),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("null", .null),
        ("[null,true,false]", .array([.null, .bool(true), .bool(false)])),
        (#""""#, .string("")),
        (#""abc""#, .string("abc")),
        (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{08}\u{0C}\n\r\t")),
        (#""\u0000""#, .string("\u{0}")),
        (#""\u00e9\u00C9""#, .string("éÉ")),
        (#""\ud83d\ude00""#, .string("😀")),
        (#""\uDBFF\uDFFF""#, .string("\u{10FFFF}")),
        (#""\uFFFF\uFDD0""#, .string(String(String.UnicodeScalarView([0xFFFF, 0xFDD0].compactMap(Unicode.Scalar.init(_:)))))),
        ("\"é€😀\u{7F}\"", .string("é€😀\u{7F}")),
        (#""a\nb""#, .string("a\nb")),
        (#"{"":0}"#, .object(["": .number("0")])),
        (#"{"a":1,"b":[2,{"c":null}]}"#, .object(["a": .number("1"), "b": .array([.number("2"), .object(["c": .null])])])),
        (#"{ "a" : [ ] , "b" : { } }"#, .object(["a": .array([]), "b": .object([:])])),
        (#"{"a":1,"A":2,"é":3,"\u00e8":4}"#, .object(["a": .number("1"), "A": .number("2"), "é": .number("3"), "è": .number("4")])),
        (#"[[[]],[[]]]"#, .array([.array([.array([])]), .array([.array([])])])),
    ]

    @Test(arguments: accepted)
    func acceptsValidText(text: String, expected: JSONValue) throws {
        #expect(try Self.parse(text) == expected)
    }

    // MARK: Rejected texts (JSONTestSuite n_ cases and more), with the error code.

    static let rejected: [(String, String)] = [
        ("", "syntax"),
        ("   ", "syntax"),
        ("[", "syntax"),
        ("[1", "syntax"),
        ("[1,", "syntax"),
        ("{", "syntax"),
        (#"{"a""#, "syntax"),
        (#"{"a":"#, "syntax"),
        (#"{"a":1"#, "syntax"),
        ("]", "syntax"),
        ("[1,]", "syntax"),
        ("[,1]", "syntax"),
        ("[1,,2]", "syntax"),
        (#"{"a":1,}"#, "syntax"),
        (#"{,"a":1}"#, "syntax"),
        ("[1 2]", "syntax"),
        (#"{"a" 1}"#, "syntax"),
        (#"{"a":1 "b":2}"#, "syntax"),
        (#"{"a"::1}"#, "syntax"),
        ("{a:1}", "syntax"),
        ("{'a':1}", "syntax"),
        ("['a']", "syntax"),
        ("{1:1}", "syntax"),
        (#"["a":1]"#, "syntax"),
        (#"{"a",1}"#, "syntax"),
        ("[tru]", "syntax"),
        ("[True]", "syntax"),
        ("nul", "syntax"),
        ("nulll", "trailing-data"),
        ("[NaN]", "syntax"),
        ("[Infinity]", "syntax"),
        ("[0x10]", "syntax"),
        ("[1.0.0]", "syntax"),
        ("/* c */ []", "syntax"),
        ("[] // c", "trailing-data"),
        ("[1] #", "trailing-data"),
        ("1 2", "trailing-data"),
        ("[] []", "trailing-data"),
        ("{}}", "trailing-data"),
        ("[1]]", "trailing-data"),
        ("[1]x", "trailing-data"),
        ("\"a\" \u{0}", "trailing-data"),
        ("\u{0C}[]", "syntax"),
        ("\u{A0}[]", "syntax"),
        ("[é]", "syntax"),
        ("[01]", "number"),
        ("[-01]", "number"),
        ("00", "number"),
        ("[+1]", "number"),
        ("[.5]", "number"),
        ("[1.]", "number"),
        ("[1.e5]", "number"),
        ("[1e]", "number"),
        ("[1e+]", "number"),
        ("[1E-]", "number"),
        ("[-]", "number"),
        ("[- 1]", "number"),
        ("[-Infinity]", "number"),
        ("[-.5]", "number"),
        (#""abc"#, "syntax"),
        (#"""#, "syntax"),
        (#""\"#, "syntax"),
        (#"["\x41"]"#, "invalid-escape"),
        (#"["\a"]"#, "invalid-escape"),
        (#"["\'"]"#, "invalid-escape"),
        (#"["\U0041"]"#, "invalid-escape"),
        (#"["\u"]"#, "invalid-escape"),
        (#"["\u12"]"#, "invalid-escape"),
        (#"["\u00G0"]"#, "invalid-escape"),
        (#"["\uD800"]"#, "invalid-escape"),
        (#"["\uDBFF"]"#, "invalid-escape"),
        (#"["\uDC00"]"#, "invalid-escape"),
        (#"["\uDFFF\uD800"]"#, "invalid-escape"),
        (#"["\uD800\u0041"]"#, "invalid-escape"),
        (#"["\uD800\uD800"]"#, "invalid-escape"),
        (#"["\uD800\n"]"#, "invalid-escape"),
        (#"["\uD800x"]"#, "invalid-escape"),
        (#"["\uD800\"#, "invalid-escape"),
        (#"["\uD800\u"#, "invalid-escape"),
        ("[\"a\tb\"]", "control-character"),
        ("[\"a\nb\"]", "control-character"),
        ("[\"\u{0}\"]", "control-character"),
        ("[\"\u{1F}\"]", "control-character"),
        (#"{"a":1,"a":2}"#, "duplicate-key"),
        (#"{"a":1,"b":2,"a":1}"#, "duplicate-key"),
        (#"{"a":1,"\u0061":2}"#, "duplicate-key"),
        (#"{"\ud83d\ude00":1,"😀":2}"#, "duplicate-key"),
        (#"[{"x":{"a":[],"a":{}}}]"#, "duplicate-key"),
        // Swift strings compare by canonical equivalence, so names that differ only in
        // normalization would collapse into one dictionary key: they are duplicates here.
        ("{\"\u{E9}\":1,\"e\u{301}\":2}", "duplicate-key"),
    ]

    @Test(arguments: rejected)
    func rejectsInvalidText(text: String, code: String) {
        #expect(Self.errorCode(Array(text.utf8))?.code == code)
    }

    @Test(arguments: [
        ("[1,]", "syntax", 3),
        (#"{"a":1,"a":2}"#, "duplicate-key", 7),
        ("[1] x", "trailing-data", 4),
        ("[01]", "number", 2),
        (#"["ab\q"]"#, "invalid-escape", 4),
        (#"[  "\ud800"]"#, "invalid-escape", 4),
        ("[\"abc\u{1}\"]", "control-character", 5),
        (#"["abc"#, "syntax", 1),
        ("[[[", "syntax", 3),
    ] as [(String, String, Int)])
    func reportsTheOffset(text: String, code: String, offset: Int) {
        let error = Self.errorCode(Array(text.utf8))
        #expect(error?.code == code)
        #expect(error?.offset == offset)
    }

    // MARK: UTF-8 (Unicode Table 3-7)

    static let invalidUTF8: [[UInt8]] = [
        [0x80], // lone continuation byte
        [0xBF],
        [0xC0, 0x80], // overlong NUL
        [0xC1, 0xBF], // overlong
        [0xC2], // truncated
        [0xC2, 0x41],
        [0xE0, 0x80, 0x80], // overlong 3-byte
        [0xE0, 0x9F, 0xBF],
        [0xE2, 0x82], // truncated
        [0xE2, 0x82, 0x41],
        [0xED, 0xA0, 0x80], // UTF-8-encoded surrogate U+D800
        [0xED, 0xBF, 0xBF], // U+DFFF
        [0xF0, 0x80, 0x80, 0x80], // overlong 4-byte
        [0xF0, 0x8F, 0xBF, 0xBF],
        [0xF4, 0x90, 0x80, 0x80], // U+110000
        [0xF5, 0x80, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], // 5-byte form
        [0xFE], [0xFF],
        [0xF0, 0x9F, 0x98], // truncated emoji
        [0xF0, 0x9F, 0x98, 0x41],
    ]

    @Test(arguments: invalidUTF8)
    func rejectsInvalidUTF8InStrings(sequence: [UInt8]) {
        let text = Array(#"["ab"#.utf8) + sequence + Array(#"cd"]"#.utf8)
        let error = Self.errorCode(text)
        #expect(error?.code == "invalid-utf8")
        #expect(error?.offset == 4)
        // At the very end of the input, too.
        #expect(Self.errorCode(Array(#"["ab"#.utf8) + sequence)?.code == "invalid-utf8")
    }

    @Test(arguments: [
        [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
        [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
    ] as [[UInt8]])
    func acceptsBoundaryUTF8(sequence: [UInt8]) throws {
        let value = try JSONParser.parse([UInt8(ascii: "\"")] + sequence + [UInt8(ascii: "\"")])
        #expect(value == .string(String(decoding: sequence, as: UTF8.self)))
        #expect(Array(try #require(value.stringValue).utf8) == sequence)
    }

    /// The parser's UTF-8 check agrees with the standard library's validator on every
    /// one- and two-byte string content and on the boundaries of longer sequences.
    @Test func utf8AgreesWithTheStandardLibrary() {
        var contents: [[UInt8]] = (0...255).map { [UInt8($0)] }
        for a in 0...255 { for b in 0...255 { contents.append([UInt8(a), UInt8(b)]) } }
        let edges: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0]
        for a in 0xE0...0xF7 { for b in 0x7F...0xC0 { for c in edges { for d in [nil, 0x80, 0xC0] as [UInt8?] {
            contents.append([UInt8(a), UInt8(b), c] + (d.map { [$0] } ?? []))
        } } } }
        var checked = 0
        var mismatches: [[UInt8]] = []
        for content in contents where !content.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            let valid = String(validating: content, as: UTF8.self) != nil
            let parsed = try? JSONParser.parse([0x22] + content + [0x22])
            if (parsed != nil) != valid || (valid && parsed != .string(String(decoding: content, as: UTF8.self))) {
                mismatches.append(content)
            }
            checked += 1
        }
        #expect(Array(mismatches.prefix(10)) == [])
        #expect(checked > 60_000)
    }

    @Test func rejectsByteOrderMark() {
        let error = Self.errorCode([0xEF, 0xBB, 0xBF] + Array("[]".utf8))
        #expect(error == JSONError(code: "syntax", offset: 0, message: "a byte order mark is not allowed"))
        #expect(Self.errorCode([0xEF, 0xBB]) != nil)
    }

    @Test func errorsNeverRepeatInput() {
        for text in [#"{"SECRET":1,"SECRET":2}"#, #"["SECRET\u00"]"#, "SECRET", #"["SECRET"] SECRET"#, "[\"SECRET\u{1}\"]"] {
            let error = Self.errorCode(Array(text.utf8))
            #expect(error != nil)
            #expect(error.map { !$0.description.contains("SECRET") } == true)
        }
    }

    // MARK: Limits

    @Test func nestingAtTheLimitIsAccepted() throws {
        let arrays = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try Self.parse(arrays) }
        let objects = String(repeating: #"{"a":"#, count: 63) + "[]" + String(repeating: "}", count: 63)
        #expect(throws: Never.self) { try Self.parse(objects) }
        let limited = JSONParser.Limits(maxDepth: 2)
        #expect(try Self.parse("[[1],{}]", limits: limited) == .array([.array([.number("1")]), .object([:])]))
        #expect(try Self.parse("1", limits: JSONParser.Limits(maxDepth: 0)) == .number("1"))
    }

    @Test func nestingPastTheLimitIsRejected() {
        let arrays = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(Self.errorCode(Array(arrays.utf8)) == JSONError(code: "too-deep", offset: 64, message: "nesting deeper than the limit allows"))
        let objects = String(repeating: #"{"a":"#, count: 64) + "[]" + String(repeating: "}", count: 64)
        #expect(Self.errorCode(Array(objects.utf8))?.code == "too-deep")
        #expect(Self.errorCode(Array("[[[]]]".utf8), limits: JSONParser.Limits(maxDepth: 2))?.code == "too-deep")
        #expect(Self.errorCode(Array("{}".utf8), limits: JSONParser.Limits(maxDepth: 0))?.code == "too-deep")
    }

    @Test func hugeNestingNeverRecurses() {
        let opens = [UInt8](repeating: UInt8(ascii: "["), count: 300_000)
        #expect(Self.errorCode(opens)?.code == "too-deep")
        let unlimited = JSONParser.Limits(maxDepth: .max, maxValues: .max)
        #expect(Self.errorCode(opens, limits: unlimited)?.code == "syntax")
    }

    @Test func stringLengthLimit() throws {
        let limits = JSONParser.Limits(maxStringBytes: 4)
        #expect(try Self.parse(#"["abcd"]"#, limits: limits) == .array([.string("abcd")]))
        #expect(try Self.parse(#"{"abcd":"éa€"}"#, limits: JSONParser.Limits(maxStringBytes: 6)) == .object(["abcd": .string("éa€")]))
        #expect(Self.errorCode(Array(#"["abcde"]"#.utf8), limits: limits) == JSONError(code: "too-large", offset: 1, message: "string longer than the limit allows"))
        #expect(Self.errorCode(Array(#"{"abcde":1}"#.utf8), limits: limits)?.code == "too-large")
        #expect(Self.errorCode(Array(#"["\u0041"]"#.utf8), limits: limits)?.code == "too-large")
    }

    @Test func numberLengthLimit() throws {
        let hundred = String(repeating: "9", count: 100)
        #expect(try Self.parse(hundred) == .number(hundred))
        #expect(Self.errorCode(Array((hundred + "9").utf8))?.code == "too-large")
        #expect(Self.errorCode(Array(("-" + hundred).utf8))?.code == "too-large")
    }

    @Test func valueCountLimit() throws {
        let limits = JSONParser.Limits(maxValues: 4)
        #expect(try Self.parse(#"[1,{"a":2}]"#, limits: limits) == .array([.number("1"), .object(["a": .number("2")])]))
        #expect(Self.errorCode(Array("[1,2,3,4]".utf8), limits: limits)?.code == "too-large")
        #expect(Self.errorCode(Array("[[],[],[],[]]".utf8), limits: limits)?.code == "too-large")
        let many = "[" + Array(repeating: "0", count: 1_000_000).joined(separator: ",") + "]"
        #expect(Self.errorCode(Array(many.utf8))?.code == "too-large")
    }

    @Test func largeStringsParseFromSlices() throws {
        let base64 = String(repeating: "QUJDRA==", count: 1 << 19) // 4 MiB
        let value = try Self.parse(#"{"dataBase64":""# + base64 + #"","name":"a\nb"}"#)
        #expect(value["dataBase64"]?.stringValue == base64)
        #expect(value["name"]?.stringValue == "a\nb")
        let escaped = try Self.parse(#"["\t"# + base64 + #"é\u00e9"]"#)
        #expect(escaped.arrayValue?.first?.stringValue == "\t" + base64 + "éé")
    }

    @Test func rawBufferOverload() throws {
        let bytes = Array(#"{"a":[1,"x"]}"#.utf8)
        let value = try bytes.withUnsafeBytes { (buffer) throws(JSONError) in try JSONParser.parse(buffer) }
        #expect(value == .object(["a": .array([.number("1"), .string("x")])]))
        #expect(throws: JSONError.self) { try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0)) }
    }

    /// Mutations of a valid text: each must parse or throw, never crash; whatever parses
    /// must survive a canonical round trip.
    @Test func mutationsNeverCrash() throws {
        let seed = Array(#"{"caseRef":"RR-2026-014","n":[0,-1.5e3,true,false,null],"s":"é\u00e9\ud83d\ude00\n","o":{"":{}}}"#.utf8)
        let alphabet = Array(#"{}[],:"\/u0123456789abcdefeE+-. tfnrlsDd"#.utf8) + [0x00, 0x1F, 0x80, 0xBF, 0xC0, 0xED, 0xF4, 0xFF]
        var random = JSONTestRandom(seed: 8259)
        var parsed = 0
        for _ in 0..<10_000 {
            var text = seed
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let position = Int(random.next() % UInt64(text.count))
                switch random.next() % 3 {
                case 0: text[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: text.remove(at: position)
                default: text.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                }
            }
            if let value = try? JSONParser.parse(text) {
                parsed += 1
                #expect(try JSONParser.parse(CanonicalJSON.encode(value)) == value)
            }
        }
        #expect(parsed > 0)
    }

    // MARK: Canonical JSON (RFC 8785)

    /// RFC 8785 §3.2.3's sorting example: names compared as UTF-16 code units.
    @Test func rfc8785PropertySorting() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\","
            + "\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\","
            + "\"😀\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        let value = try Self.parse(input)
        #expect(CanonicalJSON.encodeString(value) == expected)
        #expect(CanonicalJSON.encode(value) == Array(expected.utf8))
    }

    /// RFC 8785 §3.2.2's example, without its non-integer numbers (which intake keeps as text).
    @Test func rfc8785StringsAndLiterals() throws {
        let input = #"""
            {
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(CanonicalJSON.encodeString(try Self.parse(input)) == expected)
    }

    @Test func escapesOnlyWhatMustBeEscaped() {
        let controls = String(String.UnicodeScalarView((0...0x1F).map { Unicode.Scalar(UInt8($0)) }))
        let expected = #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
        #expect(CanonicalJSON.encodeString(.string(controls)) == expected)
        #expect(CanonicalJSON.encodeString(.string("\u{7F}/<>&'é\u{2028}😀")) == "\"\u{7F}/<>&'é\u{2028}😀\"")
        #expect(CanonicalJSON.encodeString(.string(#"a"b\c"#)) == #""a\"b\\c""#)
    }

    @Test func canonicalEventKnownAnswer() {
        let event: JSONValue = .object([
            "type": .string("submission-accepted"), "caseRef": .string("RR-2026-014"),
            "agencyId": .string("police"), "index": .int(7), "size": .int(-1),
            "hashes": .array([.string("ab"), .object([:]), .array([])]), "flag": .bool(false), "none": .null,
        ])
        #expect(CanonicalJSON.encodeString(event)
            == #"{"agencyId":"police","caseRef":"RR-2026-014","flag":false,"hashes":["ab",{},[]],"index":7,"none":null,"size":-1,"type":"submission-accepted"}"#)
    }

    @Test(arguments: accepted.map(\.0))
    func canonicalRoundTrip(text: String) throws {
        let value = try Self.parse(text)
        let canonical = CanonicalJSON.encode(value)
        #expect(try JSONParser.parse(canonical) == value)
        #expect(CanonicalJSON.encode(try JSONParser.parse(canonical)) == canonical)
        #expect(try JSONParser.parse(Array(PrettyJSON.encode(value).utf8)) == value)
    }

    @Test func prettyKnownAnswer() {
        let value: JSONValue = .object([
            "reason": .string("not-for-us"), "size": .int(12), "list": .array([.int(1), .object([:]), .array([])]),
            "nested": .object(["b": .bool(true), "a": .null]),
        ])
        let expected = """
            {
              "list": [
                1,
                {},
                []
              ],
              "nested": {
                "a": null,
                "b": true
              },
              "reason": "not-for-us",
              "size": 12
            }
            """
        #expect(PrettyJSON.encode(value) == expected)
        #expect(PrettyJSON.encode(.string("a\"\n")) == #""a\"\n""#)
        #expect(PrettyJSON.encode(.array([])) == "[]")
    }
}

/// A small deterministic generator (JSONTestRandom) for repeatable mutation tests.
private struct JSONTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
