/// A strict parser for the subset of TOML v1.0.0 that `intake.toml` needs.
///
/// Supported, as TOML v1.0.0 specifies them:
///
/// > A hash symbol marks the rest of the line as a comment, except when inside a string.
/// > […] Control characters other than tab (U+0000 to U+0008, U+000A to U+001F, U+007F)
/// > are not permitted in comments.
///
/// > Keys are on the left of the equals sign and values are on the right. Whitespace is
/// > ignored around key names and values. The key, equals sign, and value must be on the
/// > same line (though some values can be broken over multiple lines).
///
/// > A bare key must be non-empty, but an empty quoted key is allowed (though discouraged).
/// > […] Bare keys may only contain ASCII letters, ASCII digits, underscores, and dashes
/// > (A-Za-z0-9_-). […] Quoted keys follow the exact same rules as either basic strings or
/// > literal strings.
///
/// > Defining a key multiple times is invalid.
///
/// > Basic strings are surrounded by quotation marks ("). Any Unicode character may be used
/// > except those that must be escaped: quotation mark, backslash, and the control
/// > characters other than tab (U+0000 to U+0008, U+000A to U+001F, U+007F).
/// > […] \b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX […] Any Unicode character may be escaped
/// > with the \uXXXX or \UXXXXXXXX forms. The escape codes must be valid Unicode scalar
/// > values. All other escape sequences not listed above are reserved; if they are used,
/// > TOML should produce an error.
///
/// > Literal strings are surrounded by single quotes. Like basic strings, they must appear
/// > on a single line […] There is no escaping.
///
/// > Integers are whole numbers. Positive numbers may be prefixed with a plus sign. […]
/// > For large numbers, you may use underscores between digits to enhance readability.
/// > Each underscore must be surrounded by at least one digit on each side. […] Leading
/// > zeros are not allowed. […] Arbitrary 64-bit signed integers […] should be accepted and
/// > handled losslessly. If an integer cannot be represented losslessly, an error must be
/// > thrown.
///
/// > Boolean keys are just the tokens you're used to. Always lowercase.
///
/// > Arrays are square brackets with values inside. Whitespace is ignored. Elements are
/// > separated by commas. […] Arrays can span multiple lines as long as […] a terminating
/// > comma (also called a trailing comma) is permitted after the last value of the array.
/// > Any number of newlines and comments may precede values, commas, and the closing
/// > bracket.
///
/// > Tables (also known as hash tables or dictionaries) are collections of key/value pairs.
/// > They are defined by headers, with square brackets on a line by themselves. […] Naming
/// > rules for tables are the same as for keys. […] Like keys, you cannot define a table
/// > more than once. […] If a table is implied by a dotted header, e.g. `[a.b]`, `[a]` may
/// > still be defined once afterwards.
///
/// Everything else TOML has — floats, dates and times, multi-line strings, inline tables,
/// arrays of tables, dotted keys on the left of `=`, hexadecimal/octal/binary integers — is
/// rejected with the code `unsupported` and a line number, as is anything malformed (with
/// its own code). The parser never crashes and bounds array nesting at 32.
public enum TOML {
    /// Parses a TOML document.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLDocument {
        var parser = TOMLParser(bytes: Array(text.utf8))
        return try parser.parseDocument()
    }

    /// `value` as a TOML basic string, quotes included, escaped so that `parse` reads it
    /// back exactly.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\u{0C}": out += "\\f"
            case "\r": out += "\\r"
            case "\u{00}"..."\u{1F}", "\u{7F}":
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A value of the supported subset.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case array([TOMLValue])

    /// The TOML name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .boolean: "boolean"
        case .array: "array"
        }
    }
}

/// One table: its key/value pairs, each with the line it was defined on.
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var value: TOMLValue
        /// The 1-based line of the entry's key.
        public var line: Int
    }

    /// The 1-based line of the table's header; 0 for the root table and for a table only
    /// implied by a dotted header.
    public var line: Int
    public var entries: [String: Entry]
    /// Whether a header (or, for the root, the document) defined the table, rather than a
    /// longer dotted header implying it.
    public var isDefined: Bool

    public subscript(key: String) -> TOMLValue? { entries[key]?.value }
}

/// A parsed document: every table by its path (the sequence of key segments of its header);
/// the root table has the empty path.
public struct TOMLDocument: Sendable, Equatable {
    public var tables: [[String]: TOMLTable]

    public var root: TOMLTable { tables[[]] ?? TOMLTable(line: 0, entries: [:], isDefined: true) }

    public func table(_ path: String...) -> TOMLTable? { tables[path] }
}

/// Why a TOML document was rejected: a stable `code`, the 1-based `line`, and a message.
///
/// Codes: `syntax`, `unsupported`, `duplicate-key`, `duplicate-table`, `invalid-escape`,
/// `invalid-character`, `invalid-integer`, `too-deep`.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let line: Int
    public var message: String

    public init(code: String, line: Int, message: String) {
        self.code = code
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message) (\(code))" }

    public static let syntax = "syntax"
    public static let unsupported = "unsupported"
    public static let duplicateKey = "duplicate-key"
    public static let duplicateTable = "duplicate-table"
    public static let invalidEscape = "invalid-escape"
    public static let invalidCharacter = "invalid-character"
    public static let invalidInteger = "invalid-integer"
    public static let tooDeep = "too-deep"
}

private struct TOMLParser {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var tables: [[String]: TOMLTable] = [[]: TOMLTable(line: 0, entries: [:], isDefined: true)]
    var current: [String] = []

    static let maxArrayDepth = 32

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ code: String, _ message: String) -> TOMLError {
        TOMLError(code: code, line: line, message: message)
    }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    mutating func skipSpaces() {
        while let b = peek, b == 0x20 || b == 0x09 { index += 1 }
    }

    /// Skips a comment if one starts here (checking its characters).
    mutating func skipComment() throws(TOMLError) {
        guard peek == UInt8(ascii: "#") else { return }
        while let b = peek, b != 0x0A, b != 0x0D {
            if (b < 0x20 && b != 0x09) || b == 0x7F {
                throw fail(TOMLError.invalidCharacter, "control character in a comment")
            }
            index += 1
        }
    }

    /// Consumes a newline (LF or CRLF) if one starts here; returns whether it did.
    mutating func consumeNewline() throws(TOMLError) -> Bool {
        switch peek {
        case 0x0A:
            index += 1
        case 0x0D:
            guard peek(1) == 0x0A else { throw fail(TOMLError.invalidCharacter, "carriage return not followed by a line feed") }
            index += 2
        default:
            return false
        }
        line += 1
        return true
    }

    /// After a header or a key/value pair: spaces, an optional comment, then a newline or
    /// the end of the document.
    mutating func expectEndOfLine() throws(TOMLError) {
        skipSpaces()
        try skipComment()
        if atEnd { return }
        guard try consumeNewline() else { throw fail(TOMLError.syntax, "expected the end of the line") }
    }

    mutating func parseDocument() throws(TOMLError) -> TOMLDocument {
        while !atEnd {
            skipSpaces()
            try skipComment()
            if atEnd { break }
            if try consumeNewline() { continue }
            if peek == UInt8(ascii: "[") {
                try parseTableHeader()
            } else {
                try parseKeyValue()
            }
        }
        return TOMLDocument(tables: tables)
    }

    mutating func parseTableHeader() throws(TOMLError) {
        index += 1
        if peek == UInt8(ascii: "[") { throw fail(TOMLError.unsupported, "arrays of tables are not supported") }
        var path: [String] = []
        while true {
            skipSpaces()
            path.append(try parseKey())
            skipSpaces()
            if peek == UInt8(ascii: ".") {
                index += 1
                continue
            }
            guard peek == UInt8(ascii: "]") else { throw fail(TOMLError.syntax, "expected ']' to end the table header") }
            index += 1
            break
        }
        // Every prefix must be (or become) a table, not a value.
        for length in 1...path.count {
            let prefix = Array(path[0..<length])
            let parent = Array(path[0..<(length - 1)])
            if tables[parent]?.entries[prefix[length - 1]] != nil {
                throw fail(TOMLError.duplicateKey, "table \(Self.dotted(prefix)) is already defined as a value")
            }
            if length < path.count, tables[prefix] == nil {
                tables[prefix] = TOMLTable(line: 0, entries: [:], isDefined: false)
            }
        }
        if let existing = tables[path] {
            guard !existing.isDefined else { throw fail(TOMLError.duplicateTable, "table \(Self.dotted(path)) is defined twice") }
            tables[path]?.isDefined = true
            tables[path]?.line = line
        } else {
            tables[path] = TOMLTable(line: line, entries: [:], isDefined: true)
        }
        current = path
        try expectEndOfLine()
    }

    mutating func parseKeyValue() throws(TOMLError) {
        let keyLine = line
        let key = try parseKey()
        skipSpaces()
        if peek == UInt8(ascii: ".") { throw fail(TOMLError.unsupported, "dotted keys are not supported; use a [table] header") }
        guard peek == UInt8(ascii: "=") else { throw fail(TOMLError.syntax, "expected '=' after a key") }
        index += 1
        skipSpaces()
        let value = try parseValue(depth: 0)
        if tables[current]?.entries[key] != nil {
            throw fail(TOMLError.duplicateKey, "key \(Self.dotted(current + [key])) is defined twice")
        }
        if tables[current + [key]] != nil {
            throw fail(TOMLError.duplicateKey, "key \(Self.dotted(current + [key])) is already defined as a table")
        }
        tables[current]?.entries[key] = TOMLTable.Entry(value: value, line: keyLine)
        try expectEndOfLine()
    }

    /// A bare or quoted key (one segment).
    mutating func parseKey() throws(TOMLError) -> String {
        switch peek {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw fail(TOMLError.syntax, "a key cannot be a multi-line string")
            }
            return try parseBasicString()
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                throw fail(TOMLError.syntax, "a key cannot be a multi-line string")
            }
            return try parseLiteralString()
        default:
            let start = index
            while let b = peek, Self.isBareKeyByte(b) { index += 1 }
            guard index > start else { throw fail(TOMLError.syntax, "expected a key") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }

    mutating func parseValue(depth: Int) throws(TOMLError) -> TOMLValue {
        switch peek {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw fail(TOMLError.unsupported, "multi-line strings are not supported")
            }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                throw fail(TOMLError.unsupported, "multi-line strings are not supported")
            }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "{"):
            throw fail(TOMLError.unsupported, "inline tables are not supported; use a [table] header")
        default:
            return try parseScalarToken()
        }
    }

    /// Skips whitespace, newlines and comments inside an array.
    mutating func skipArrayFiller() throws(TOMLError) {
        while true {
            skipSpaces()
            try skipComment()
            guard try consumeNewline() else { return }
        }
    }

    mutating func parseArray(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= Self.maxArrayDepth else { throw fail(TOMLError.tooDeep, "arrays nested too deeply") }
        index += 1
        var elements: [TOMLValue] = []
        while true {
            try skipArrayFiller()
            if peek == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            guard !atEnd else { throw fail(TOMLError.syntax, "unterminated array") }
            elements.append(try parseValue(depth: depth))
            try skipArrayFiller()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            case nil: throw fail(TOMLError.syntax, "unterminated array")
            default: throw fail(TOMLError.syntax, "expected ',' or ']' in an array")
            }
        }
    }

    /// A bare token: a boolean or an integer, or one of the unsupported kinds.
    mutating func parseScalarToken() throws(TOMLError) -> TOMLValue {
        let start = index
        let delimiters: [UInt8] = [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "#")]
        while let b = peek, !delimiters.contains(b) { index += 1 }
        let token = Array(bytes[start..<index])
        guard !token.isEmpty else { throw fail(TOMLError.syntax, "expected a value") }
        switch token {
        case Array("true".utf8): return .boolean(true)
        case Array("false".utf8): return .boolean(false)
        default: break
        }
        let unsigned = token.first == UInt8(ascii: "+") || token.first == UInt8(ascii: "-") ? Array(token.dropFirst()) : token
        if unsigned == Array("inf".utf8) || unsigned == Array("nan".utf8) {
            throw fail(TOMLError.unsupported, "floats are not supported")
        }
        guard let first = unsigned.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw fail(TOMLError.syntax, "expected a value (strings must be quoted)")
        }
        if unsigned.count >= 2, first == UInt8(ascii: "0"),
           [UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "b")].contains(unsigned[1]) {
            throw fail(TOMLError.unsupported, "hexadecimal, octal and binary integers are not supported")
        }
        if unsigned.contains(UInt8(ascii: ":")) || (unsigned.count > 4 && unsigned[4] == UInt8(ascii: "-")) {
            throw fail(TOMLError.unsupported, "dates and times are not supported")
        }
        if unsigned.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) {
            throw fail(TOMLError.unsupported, "floats are not supported")
        }
        // Decimal integer: digits with single underscores between digits, no leading zero.
        var digits: [UInt8] = []
        var previousWasDigit = false
        for b in unsigned {
            if b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
                digits.append(b)
                previousWasDigit = true
            } else if b == UInt8(ascii: "_"), previousWasDigit {
                previousWasDigit = false
            } else {
                throw fail(TOMLError.invalidInteger, "invalid integer")
            }
        }
        guard previousWasDigit else { throw fail(TOMLError.invalidInteger, "invalid integer") }
        guard digits.count == 1 || digits[0] != UInt8(ascii: "0") else {
            throw fail(TOMLError.invalidInteger, "leading zeros are not allowed")
        }
        let sign = token.first == UInt8(ascii: "-") ? "-" : ""
        guard let value = Int(sign + String(decoding: digits, as: UTF8.self)) else {
            throw fail(TOMLError.invalidInteger, "integer out of the 64-bit range")
        }
        return .integer(value)
    }

    mutating func parseBasicString() throws(TOMLError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek, b != 0x0A, b != 0x0D else { throw fail(TOMLError.syntax, "unterminated string") }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw fail(TOMLError.syntax, "unterminated string") }
                index += 1
                switch e {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "u"): try appendEscapedScalar(hexDigits: 4, into: &out)
                case UInt8(ascii: "U"): try appendEscapedScalar(hexDigits: 8, into: &out)
                default: throw fail(TOMLError.invalidEscape, "unknown escape sequence")
                }
            default:
                if (b < 0x20 && b != 0x09) || b == 0x7F {
                    throw fail(TOMLError.invalidCharacter, "control character in a string")
                }
                out.append(b)
            }
        }
    }

    mutating func appendEscapedScalar(hexDigits: Int, into out: inout [UInt8]) throws(TOMLError) {
        var value: UInt32 = 0
        for _ in 0..<hexDigits {
            guard let b = peek, let digit = Self.hexValue(b) else {
                throw fail(TOMLError.invalidEscape, "expected \(hexDigits) hex digits in a unicode escape")
            }
            value = value << 4 | digit
            index += 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw fail(TOMLError.invalidEscape, "escape is not a Unicode scalar value")
        }
        out.append(contentsOf: String(Character(scalar)).utf8)
    }

    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    mutating func parseLiteralString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while true {
            guard let b = peek, b != 0x0A, b != 0x0D else { throw fail(TOMLError.syntax, "unterminated string") }
            if b == UInt8(ascii: "'") { break }
            if (b < 0x20 && b != 0x09) || b == 0x7F {
                throw fail(TOMLError.invalidCharacter, "control character in a string")
            }
            index += 1
        }
        let value = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 1
        return value
    }

    /// A path as TOML would write it, for messages (config files carry no personal data).
    static func dotted(_ path: [String]) -> String {
        path.map { key in
            !key.isEmpty && key.utf8.allSatisfy(isBareKeyByte) ? key : TOML.quoted(key)
        }.joined(separator: ".")
    }
}
