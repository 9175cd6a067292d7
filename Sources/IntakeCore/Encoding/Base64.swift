/// Base64 (RFC 4648 §4, standard alphabet, with padding).
///
/// The decoder is strict: it accepts only canonical encodings (padding present, unused bits
/// zero), optionally with ASCII whitespace between groups when `ignoringWhitespace` is set.
/// Strictness matters here: two spellings of one hash or one attachment must not both pass.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (index, c) in alphabet.enumerated() { table[Int(c)] = UInt8(index) }
        return table
    }()

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            out.append(b1.map { alphabet[Int(($0 & 0x0f) << 2 | (b2 ?? 0) >> 6)] } ?? UInt8(ascii: "="))
            out.append(b2.map { alphabet[Int($0 & 0x3f)] } ?? UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String, ignoringWhitespace: Bool = false) -> [UInt8]? {
        var input = Array(text.utf8)
        if ignoringWhitespace {
            input.removeAll { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }
        }
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let c0 = reverse[Int(input[index])], c1 = reverse[Int(input[index + 1])]
            guard c0 != 0xff, c1 != 0xff else { return nil }
            let pad2 = input[index + 2] == UInt8(ascii: "="), pad3 = input[index + 3] == UInt8(ascii: "=")
            if pad2 || pad3 {
                guard isLast, pad3 else { return nil }
                if pad2 {
                    guard c1 & 0x0f == 0 else { return nil }
                    out.append(c0 << 2 | c1 >> 4)
                } else {
                    let c2 = reverse[Int(input[index + 2])]
                    guard c2 != 0xff, c2 & 0x03 == 0 else { return nil }
                    out.append(c0 << 2 | c1 >> 4)
                    out.append((c1 & 0x0f) << 4 | c2 >> 2)
                }
            } else {
                let c2 = reverse[Int(input[index + 2])], c3 = reverse[Int(input[index + 3])]
                guard c2 != 0xff, c3 != 0xff else { return nil }
                out.append(c0 << 2 | c1 >> 4)
                out.append((c1 & 0x0f) << 4 | c2 >> 2)
                out.append((c2 & 0x03) << 6 | c3)
            }
            index += 4
        }
        return out
    }
}
