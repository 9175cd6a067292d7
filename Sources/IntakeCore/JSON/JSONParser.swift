/// A strict JSON parser (RFC 8259, with the I-JSON restrictions of RFC 7493 that matter here).
///
/// RFC 8259 §2:
///
/// > A JSON text is a sequence of tokens. […] A JSON text is a serialized value.
/// >
/// >     JSON-text = ws value ws
/// >     ws = *( %x20 / %x09 / %x0A / %x0D )
///
/// RFC 8259 §6:
///
/// >     number = [ minus ] int [ frac ] [ exp ]
/// >     int = zero / ( digit1-9 *DIGIT )
/// >     frac = decimal-point 1*DIGIT
/// >     exp = e [ minus / plus ] 1*DIGIT
/// >
/// > Numeric values that cannot be represented in the grammar below (such as Infinity and
/// > NaN) are not permitted.
///
/// RFC 8259 §7:
///
/// > All Unicode characters may be placed within the quotation marks, except for the
/// > characters that MUST be escaped: quotation mark, reverse solidus, and the control
/// > characters (U+0000 through U+001F).
///
/// RFC 8259 §8.1:
///
/// > JSON text exchanged between systems that are not part of a closed ecosystem MUST be
/// > encoded using UTF-8 [RFC3629]. […] Implementations MUST NOT add a byte order mark
/// > (U+FEFF) to the beginning of a networked-transmitted JSON text.
///
/// RFC 8259 §9:
///
/// > An implementation may set limits on the size of texts that it accepts. An
/// > implementation may set limits on the maximum depth of nesting. An implementation may
/// > set limits on the range and precision of numbers. An implementation may set limits on
/// > the length and character contents of strings.
///
/// RFC 7493 (I-JSON) §2.1 and §2.3:
///
/// > I-JSON messages MUST be encoded using UTF-8 […]. Object member names, and string
/// > values in arrays and object members, MUST NOT include code points that identify
/// > Surrogates […].
/// >
/// > Objects in I-JSON messages MUST NOT have members with duplicate names. In this
/// > context, "duplicate" means that the names, after processing any escaped characters,
/// > are identical sequences of Unicode characters.
///
/// So this parser accepts exactly one value with optional whitespace around it, and rejects
/// a byte order mark, trailing data, comments, trailing commas, invalid UTF-8 (overlong
/// forms, encoded surrogates, code points past U+10FFFF), unpaired `\u` surrogate escapes,
/// raw control characters in strings, numbers outside the grammar, and duplicate member
/// names (compared after unescaping). Noncharacters are accepted. Numbers keep their exact
/// text.
///
/// Member names are compared as Swift strings, that is by canonical equivalence: two names
/// that differ only in Unicode normalization (`"é"` and `"e\u0301"`) are duplicates too,
/// since one `JSONValue.object` could not hold both.
///
/// It never recurses: nesting is kept on an explicit stack whose height is checked against
/// `Limits.maxDepth` before it grows. Errors carry a stable code and a byte offset, never
/// any of the input's content.
public enum JSONParser {
    /// The limits RFC 8259 §9 lets a parser set. Exceeding one is an error, never a crash.
    public struct Limits: Sendable, Equatable {
        /// Most arrays and objects open at once (`[[1]]` has depth 2). Error `too-deep`.
        public var maxDepth: Int
        /// Longest string (member names included), in bytes as written between the quotes.
        /// Error `too-large`.
        public var maxStringBytes: Int
        /// Longest number text, in characters. Error `too-large`.
        public var maxNumberLength: Int
        /// Most values in the whole text (every element, member value and container,
        /// the outermost value included). Error `too-large`.
        public var maxValues: Int

        public init(
            maxDepth: Int = 64, maxStringBytes: Int = 96 << 20, maxNumberLength: Int = 100,
            maxValues: Int = 1_000_000
        ) {
            self.maxDepth = maxDepth
            self.maxStringBytes = maxStringBytes
            self.maxNumberLength = maxNumberLength
            self.maxValues = maxValues
        }

        public static let `default` = Limits()
    }

    /// Parses one JSON text.
    public static func parse(_ bytes: [UInt8], limits: Limits = .default) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            var parser = Parser(bytes: buffer, limits: limits)
            return try parser.parseText()
        }
    }

    /// Parses one JSON text held in `buffer` (for large inputs already in memory).
    public static func parse(_ buffer: UnsafeRawBufferPointer, limits: Limits = .default) throws(JSONError) -> JSONValue {
        try buffer.withMemoryRebound(to: UInt8.self) { (bytes) throws(JSONError) -> JSONValue in
            var parser = Parser(bytes: bytes, limits: limits)
            return try parser.parseText()
        }
    }
}

/// Why a JSON text was rejected: a stable `code`, the byte `offset` where the problem was
/// found, and a fixed message that never repeats any of the input.
///
/// Codes: `syntax`, `trailing-data`, `number`, `invalid-utf8`, `invalid-escape` (an unknown
/// escape or an unpaired surrogate escape), `control-character`, `duplicate-key`,
/// `too-deep`, `too-large`.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let offset: Int
    public var message: String

    public init(code: String, offset: Int, message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String { "JSON \(code) at byte \(offset): \(message)" }

    public static let syntax = "syntax"
    public static let trailingData = "trailing-data"
    public static let number = "number"
    public static let invalidUTF8 = "invalid-utf8"
    public static let invalidEscape = "invalid-escape"
    public static let controlCharacter = "control-character"
    public static let duplicateKey = "duplicate-key"
    public static let tooDeep = "too-deep"
    public static let tooLarge = "too-large"
}

/// The parser's state over one buffer. Every read of `bytes[i]` is guarded by `i < count`.
private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let count: Int
    let limits: JSONParser.Limits
    var index = 0
    var valueCount = 0

    init(bytes: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits) {
        self.bytes = bytes
        self.count = bytes.count
        self.limits = limits
    }

    /// One open array or object.
    struct Frame {
        var isObject: Bool
        var elements: [JSONValue] = []
        var members: [String: JSONValue] = [:]
        /// The name of the member whose value is being parsed.
        var key = ""
    }

    static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    /// True when some byte of `word` is below 0x20, at or above 0x80, a quote or a backslash
    /// (the classic "has a zero byte" bit trick, applied to each condition).
    @inline(__always)
    static func wordNeedsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let below20 = (word &- ones &* 0x20) & ~word & highs
        let quotes = word ^ (ones &* 0x22), backslashes = word ^ (ones &* 0x5c)
        let hasQuote = (quotes &- ones) & ~quotes & highs
        let hasBackslash = (backslashes &- ones) & ~backslashes & highs
        return (below20 | hasQuote | hasBackslash | (word & highs)) != 0
    }

    func fail(_ code: String, _ offset: Int, _ message: String) -> JSONError {
        JSONError(code: code, offset: offset, message: message)
    }

    mutating func skipWhitespace() {
        while index < count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseText() throws(JSONError) -> JSONValue {
        if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw fail(JSONError.syntax, 0, "a byte order mark is not allowed")
        }
        skipWhitespace()
        var stack: [Frame] = []
        parsing: while true {
            // A value starts at `index` (whitespace already skipped).
            valueCount += 1
            guard valueCount <= limits.maxValues else {
                throw fail(JSONError.tooLarge, index, "more values than the limit allows")
            }
            guard index < count else { throw fail(JSONError.syntax, index, "unexpected end of input; expected a value") }
            var value: JSONValue
            switch bytes[index] {
            case UInt8(ascii: "{"):
                guard stack.count < limits.maxDepth else { throw fail(JSONError.tooDeep, index, "nesting deeper than the limit allows") }
                index += 1
                skipWhitespace()
                if index < count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    value = .object([:])
                } else {
                    let key = try parseMemberName(existing: [:])
                    stack.append(Frame(isObject: true, key: key))
                    continue parsing
                }
            case UInt8(ascii: "["):
                guard stack.count < limits.maxDepth else { throw fail(JSONError.tooDeep, index, "nesting deeper than the limit allows") }
                index += 1
                skipWhitespace()
                if index < count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    stack.append(Frame(isObject: false))
                    continue parsing
                }
            case Self.quote:
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            case UInt8(ascii: "+"), UInt8(ascii: "."):
                throw fail(JSONError.number, index, "a number must start with a digit or a minus sign")
            default:
                throw fail(JSONError.syntax, index, "unexpected byte; expected a value")
            }

            // A value is complete: give it to the innermost open container, closing as many
            // containers as end here, until another value must start or the text ends.
            while true {
                skipWhitespace()
                let top = stack.count - 1
                guard top >= 0 else {
                    guard index == count else { throw fail(JSONError.trailingData, index, "data after the end of the JSON value") }
                    return value
                }
                guard index < count else { throw fail(JSONError.syntax, index, "unexpected end of input inside a container") }
                let byte = bytes[index]
                if stack[top].isObject {
                    let key = stack[top].key
                    stack[top].members[key] = value
                    if byte == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        let next = try parseMemberName(existing: stack[top].members)
                        stack[top].key = next
                        continue parsing
                    } else if byte == UInt8(ascii: "}") {
                        index += 1
                        value = .object(stack.removeLast().members)
                    } else {
                        throw fail(JSONError.syntax, index, "expected ',' or '}' after an object member")
                    }
                } else {
                    stack[top].elements.append(value)
                    if byte == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        continue parsing
                    } else if byte == UInt8(ascii: "]") {
                        index += 1
                        value = .array(stack.removeLast().elements)
                    } else {
                        throw fail(JSONError.syntax, index, "expected ',' or ']' after an array element")
                    }
                }
            }
        }
    }

    /// Parses `"name" ws :` `ws` at `index`, rejecting a name already in `existing`.
    mutating func parseMemberName(existing: [String: JSONValue]) throws(JSONError) -> String {
        let start = index
        guard index < count, bytes[index] == Self.quote else {
            throw fail(JSONError.syntax, index, "expected a member name string")
        }
        let name = try parseString()
        guard existing[name] == nil else {
            throw fail(JSONError.duplicateKey, start, "duplicate member name in an object")
        }
        skipWhitespace()
        guard index < count, bytes[index] == UInt8(ascii: ":") else {
            throw fail(JSONError.syntax, index, "expected ':' after a member name")
        }
        index += 1
        skipWhitespace()
        return name
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let length = literal.utf8CodeUnitCount
        guard count - index >= length else { throw fail(JSONError.syntax, index, "unexpected bytes; expected a value") }
        let text = literal.utf8Start
        for offset in 0..<length where bytes[index + offset] != text[offset] {
            throw fail(JSONError.syntax, index + offset, "unexpected bytes; expected a value")
        }
        index += length
    }

    /// RFC 8259 §6's grammar, exactly; returns the number's text.
    mutating func parseNumber() throws(JSONError) -> String {
        let start = index
        var i = index
        func isDigit(_ i: Int) -> Bool { i < count && bytes[i] &- UInt8(ascii: "0") < 10 }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { throw fail(JSONError.number, i, "expected a digit") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            guard !isDigit(i) else { throw fail(JSONError.number, i, "leading zeros are not allowed") }
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw fail(JSONError.number, i, "expected a digit after the decimal point") }
            while isDigit(i) { i += 1 }
        }
        if i < count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { throw fail(JSONError.number, i, "expected a digit in the exponent") }
            while isDigit(i) { i += 1 }
        }
        guard i - start <= limits.maxNumberLength else {
            throw fail(JSONError.tooLarge, start, "number longer than the limit allows")
        }
        index = i
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    }

    /// Parses a string at `index` (which holds the opening quote) and returns its value.
    mutating func parseString() throws(JSONError) -> String {
        let open = index
        let start = index + 1
        var i = start
        var segmentStart = start
        var unescaped: [UInt8] = []
        var hasEscapes = false
        while true {
            // The fast path: printable ASCII other than quote and backslash, eight bytes at a
            // time (SWAR): a word passes when no byte is < 0x20, >= 0x80, '"' or '\\'.
            if let base = bytes.baseAddress {
                let raw = UnsafeRawPointer(base)
                while i + 8 <= count {
                    let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if Self.wordNeedsAttention(word) { break }
                    i += 8
                }
            }
            while i < count {
                let byte = bytes[i]
                guard byte >= 0x20, byte < 0x80, byte != Self.quote, byte != Self.backslash else { break }
                i += 1
            }
            guard i < count else { throw fail(JSONError.syntax, open, "unterminated string") }
            let byte = bytes[i]
            if byte == Self.quote { break }
            if byte < 0x20 {
                throw fail(JSONError.controlCharacter, i, "unescaped control character in a string")
            }
            if byte >= 0x80 {
                i = try validateUTF8Sequence(at: i)
                continue
            }
            // A backslash.
            if !hasEscapes {
                hasEscapes = true
                unescaped.reserveCapacity(i - start + 16)
            }
            unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<i]))
            i = try unescape(at: i, into: &unescaped)
            segmentStart = i
        }
        guard i - start <= limits.maxStringBytes else {
            throw fail(JSONError.tooLarge, open, "string longer than the limit allows")
        }
        index = i + 1
        if hasEscapes {
            unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<i]))
            return String(decoding: unescaped, as: UTF8.self)
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    }

    /// Decodes the escape sequence at `at` (a backslash) into `out`; returns the index after it.
    func unescape(at backslashIndex: Int, into out: inout [UInt8]) throws(JSONError) -> Int {
        let i = backslashIndex + 1
        guard i < count else { throw fail(JSONError.syntax, backslashIndex, "unterminated string") }
        switch bytes[i] {
        case Self.quote: out.append(Self.quote)
        case Self.backslash: out.append(Self.backslash)
        case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let high = try hex4(at: i + 1, escapeAt: backslashIndex)
            var scalar = high
            var end = i + 5
            switch high {
            case 0xD800...0xDBFF:
                guard end + 1 < count, bytes[end] == Self.backslash, bytes[end + 1] == UInt8(ascii: "u") else {
                    throw fail(JSONError.invalidEscape, backslashIndex, "unpaired surrogate escape")
                }
                let low = try hex4(at: end + 2, escapeAt: end)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw fail(JSONError.invalidEscape, backslashIndex, "unpaired surrogate escape")
                }
                scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                end += 6
            case 0xDC00...0xDFFF:
                throw fail(JSONError.invalidEscape, backslashIndex, "unpaired surrogate escape")
            default:
                break
            }
            appendUTF8(scalar, to: &out)
            return end
        default:
            throw fail(JSONError.invalidEscape, backslashIndex, "unknown escape sequence")
        }
        return i + 1
    }

    /// The value of the four hex digits at `at`.
    func hex4(at start: Int, escapeAt: Int) throws(JSONError) -> UInt32 {
        guard count - start >= 4 else { throw fail(JSONError.invalidEscape, escapeAt, "truncated \\u escape") }
        var value: UInt32 = 0
        for i in start..<(start + 4) {
            let byte = bytes[i]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail(JSONError.invalidEscape, escapeAt, "invalid hex digit in a \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Checks one UTF-8 sequence starting at `at` (a byte ≥ 0x80) against the well-formed
    /// byte sequences of Unicode Table 3-7; returns the index after it.
    func validateUTF8Sequence(at start: Int) throws(JSONError) -> Int {
        let lead = bytes[start]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw fail(JSONError.invalidUTF8, start, "invalid UTF-8 lead byte")
        }
        guard count - start >= length else { throw fail(JSONError.invalidUTF8, start, "truncated UTF-8 sequence") }
        guard secondRange.contains(bytes[start + 1]) else {
            throw fail(JSONError.invalidUTF8, start, "invalid UTF-8 sequence")
        }
        for i in (start + 2)..<(start + length) where bytes[i] & 0xC0 != 0x80 {
            throw fail(JSONError.invalidUTF8, start, "invalid UTF-8 sequence")
        }
        return start + length
    }
}
