/// Canonical JSON bytes in the manner of the JSON Canonicalization Scheme (RFC 8785).
///
/// RFC 8785 §3.2.1:
///
/// > Whitespace between JSON tokens MUST NOT be emitted.
///
/// RFC 8785 §3.2.2.2:
///
/// > […] JSON String data MUST be serialized as follows: if the Unicode value falls within
/// > the traditional ASCII control character range (U+0000 through U+001F), it MUST be
/// > serialized using lowercase hexadecimal Unicode notation (\uhhhh) unless it is in the
/// > set of predefined JSON control characters U+0008, U+0009, U+000A, U+000C, or U+000D,
/// > which MUST be serialized as \b, \t, \n, \f, and \r, respectively. If the Unicode value
/// > is outside of the ASCII control character range, it MUST be serialized "as is" unless
/// > it is equivalent to U+005C (\) or U+0022 ("), which MUST be serialized as \\ and \",
/// > respectively.
///
/// RFC 8785 §3.2.3:
///
/// > JSON object properties MUST be sorted recursively […]. Property name strings to be
/// > sorted are formatted as arrays of UTF-16 [UNICODE] code units. The sorting is based on
/// > pure value comparisons, where code units are treated as unsigned integers, independent
/// > of locale settings.
///
/// RFC 8785 §3.2.4:
///
/// > The canonicalized JSON data MUST be encoded in UTF-8 [RFC3629].
///
/// One departure: numbers are written as their stored text (RFC 8785 §3.2.2.3 would
/// reformat them as ECMAScript does). The two agree for every integer written without
/// leading zeros, a plus sign, or `-0`, which is all that intake's events carry.
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter.write(value, into: &out, indent: nil, level: 0)
        return out
    }

    /// The canonical text of `value`.
    public static func encodeString(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}

/// JSON for people to read: members sorted as in `CanonicalJSON`, two-space indent, a space
/// after each colon, strings escaped as in `CanonicalJSON`; no trailing newline. For
/// `status --json`, quarantine records and similar output.
public enum PrettyJSON {
    public static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        JSONWriter.write(value, into: &out, indent: 2, level: 0)
        return String(decoding: out, as: UTF8.self)
    }
}

/// The writer both encoders share.
enum JSONWriter {
    /// Whether `a` sorts before `b` by UTF-16 code units (RFC 8785 §3.2.3).
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    static func write(_ value: JSONValue, into out: inout [UInt8], indent: Int?, level: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            if elements.isEmpty {
                out.append(UInt8(ascii: "]"))
                return
            }
            for (n, element) in elements.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(into: &out, indent: indent, level: level + 1)
                write(element, into: &out, indent: indent, level: level + 1)
            }
            newline(into: &out, indent: indent, level: level)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            if members.isEmpty {
                out.append(UInt8(ascii: "}"))
                return
            }
            let sorted = members.sorted { precedes($0.key, $1.key) }
            for (n, (name, member)) in sorted.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(into: &out, indent: indent, level: level + 1)
                writeString(name, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                write(member, into: &out, indent: indent, level: level + 1)
            }
            newline(into: &out, indent: indent, level: level)
            out.append(UInt8(ascii: "}"))
        }
    }

    static func newline(into out: inout [UInt8], indent: Int?, level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` quoted, escaping only `"`, `\` and U+0000…U+001F (RFC 8785 §3.2.2.2).
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var copy = s
        copy.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                runStart = i + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                default:
                    out.append(contentsOf: "u00".utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
