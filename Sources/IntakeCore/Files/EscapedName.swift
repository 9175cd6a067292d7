/// A file name as bytes, written as text that shows what it is and maps back to the bytes.
///
/// POSIX file names are byte strings (any byte but NUL and `/`); an uploader can name a file
/// with bytes that are not UTF-8, or with characters that make text lie about itself: C0
/// controls, DEL, C1 controls, and Unicode's bidirectional formatting characters (a
/// right-to-left override shows `report\u{202E}gnp.exe` as `reportexe.png`). The escaped form
/// is plain, visible ASCII wherever such a byte or character is:
///
/// | in the name | escaped |
/// |---|---|
/// | `\` | `\\` |
/// | a byte that is not part of valid UTF-8; U+0000–U+001F; U+007F | `\xHH` (per byte) |
/// | U+0080–U+009F, U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069 | `\u{HHHH}` |
///
/// Everything else is kept as it is, so an ordinary name reads the same escaped. `unescape`
/// maps an escaped name back to its bytes, exactly: `unescape(escape(b)) == b` for every
/// byte string `b`.
public enum EscapedName {
    /// Whether a scalar is shown as `\u{…}`: C1 controls and the bidirectional formatting
    /// characters (Unicode TR 9: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI).
    public static func isDeceptive(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    public static func escape(_ bytes: some Collection<UInt8>) -> String {
        var out = ""
        let input = Array(bytes)
        var index = 0
        func hex(_ value: UInt32, width: Int) -> String {
            let digits = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        input.withUnsafeBufferPointer { bytes in
            while index < bytes.count {
                let scalar: Unicode.Scalar
                if bytes[index] < 0x80 {
                    scalar = Unicode.Scalar(bytes[index])
                    index += 1
                } else if let (value, end) = StrictUTF8.sequence(bytes, at: index), let decoded = Unicode.Scalar(value) {
                    scalar = decoded
                    index = end
                } else {
                    out += "\\x" + hex(UInt32(bytes[index]), width: 2)
                    index += 1
                    continue
                }
                switch scalar.value {
                case 0x5C: out += "\\\\"
                case 0x00...0x1F, 0x7F: out += "\\x" + hex(scalar.value, width: 2)
                default:
                    if isDeceptive(scalar) { out += "\\u{" + hex(scalar.value, width: 4) + "}" } else { out.unicodeScalars.append(scalar) }
                }
            }
        }
        return out
    }

    /// Text (any string, e.g. a name inside a return) with the same characters escaped.
    public static func escape(_ text: String) -> String { escape(Array(text.utf8)) }

    /// The bytes an escaped name stands for. A `\` that starts no escape is kept as it is.
    public static func unescape(_ escaped: String) -> [UInt8] {
        let input = Array(escaped.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var index = 0
        func hexValue(_ slice: ArraySlice<UInt8>) -> UInt32? {
            guard !slice.isEmpty, slice.count <= 6 else { return nil }
            return UInt32(String(decoding: slice, as: UTF8.self), radix: 16)
        }
        while index < input.count {
            let byte = input[index]
            guard byte == 0x5C, index + 1 < input.count else {
                out.append(byte)
                index += 1
                continue
            }
            let next = input[index + 1]
            if next == 0x5C {
                out.append(0x5C)
                index += 2
            } else if next == UInt8(ascii: "x"), index + 3 < input.count, let value = hexValue(input[(index + 2)...(index + 3)]) {
                out.append(UInt8(value))
                index += 4
            } else if next == UInt8(ascii: "u"), index + 2 < input.count, input[index + 2] == UInt8(ascii: "{"),
                      let close = input[(index + 3)...].firstIndex(of: UInt8(ascii: "}")),
                      let value = hexValue(input[(index + 3)..<close]), let scalar = Unicode.Scalar(value) {
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                index = close + 1
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    /// The unescaped bytes NUL-terminated, for a system call.
    public static func cString(_ escaped: String) -> [CChar] {
        unescape(escaped).map { CChar(bitPattern: $0) } + [0]
    }
}
