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

    /// For the fast loop: each character of a group, at its position (0...3), already shifted
    /// to where its bits land in the three decoded bytes (as a little-endian word), and
    /// `invalid` for a character outside the alphabet. OR-ing a group's four entries gives the
    /// three bytes, or a word with bit 24 set.
    private static let invalid: UInt32 = 0x0100_0000
    private static let positioned: [UInt32] = {
        var table = [UInt32](repeating: invalid, count: 4 * 256)
        for (index, c) in alphabet.enumerated() {
            let v = UInt32(index)
            table[0 * 256 + Int(c)] = v << 2
            table[1 * 256 + Int(c)] = v >> 4 | (v & 0x0f) << 12
            table[2 * 256 + Int(c)] = (v >> 2) << 8 | (v & 0x03) << 22
            table[3 * 256 + Int(c)] = v << 16
        }
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
        var text = text
        // Native strings are contiguous UTF-8: decode in place, without copying the text.
        return text.withUTF8 { decode(utf8: $0, ignoringWhitespace: ignoringWhitespace) }
    }

    /// Decodes base64 text given as UTF-8 bytes.
    public static func decode(utf8 input: UnsafeBufferPointer<UInt8>, ignoringWhitespace: Bool = false) -> [UInt8]? {
        decode(utf8: input, ignoringWhitespace: ignoringWhitespace, allowPadding: true)
    }

    static func decode(utf8 input: UnsafeBufferPointer<UInt8>, ignoringWhitespace: Bool, allowPadding: Bool) -> [UInt8]? {
        if ignoringWhitespace, input.contains(where: { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            let compact = input.filter { !($0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09) }
            return compact.withUnsafeBufferPointer { decode(utf8: $0, ignoringWhitespace: false, allowPadding: allowPadding) }
        }
        let count = input.count
        guard count % 4 == 0 else { return nil }
        guard count > 0 else { return [] }
        let padding = input[count - 1] == UInt8(ascii: "=") ? (input[count - 2] == UInt8(ascii: "=") ? 2 : 1) : 0
        let outputCount = count / 4 * 3 - padding
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
            reverse.withUnsafeBufferPointer { table in
                var written = 0
                var index = 0
                // Every group but the last: four alphabet characters, no padding. Each group's
                // three bytes are stored as one word; its fourth byte is overwritten by the next
                // group (the last group, decoded below, always writes at least one byte more).
                positioned.withUnsafeBufferPointer { positioned in
                    let base = UnsafeMutableRawPointer(out.baseAddress!)
                    while index + 4 < count {
                        let word = positioned[Int(input[index])] | positioned[256 + Int(input[index + 1])]
                            | positioned[512 + Int(input[index + 2])] | positioned[768 + Int(input[index + 3])]
                        if word & invalid != 0 { failed = true; break }
                        base.storeBytes(of: word.littleEndian, toByteOffset: written, as: UInt32.self)
                        written += 3
                        index += 4
                    }
                }
                if !failed {
                    // The last group: canonical padding, unused bits zero.
                    let c0 = table[Int(input[index])], c1 = table[Int(input[index + 1])]
                    let pad2 = input[index + 2] == UInt8(ascii: "="), pad3 = input[index + 3] == UInt8(ascii: "=")
                    if c0 == 0xff || c1 == 0xff || (pad2 && !pad3) || (pad3 && !allowPadding) {
                        failed = true
                    } else if pad2 {
                        if c1 & 0x0f != 0 { failed = true } else { out[written] = c0 << 2 | c1 >> 4; written += 1 }
                    } else if pad3 {
                        let c2 = table[Int(input[index + 2])]
                        if c2 == 0xff || c2 & 0x03 != 0 { failed = true } else {
                            out[written] = c0 << 2 | c1 >> 4
                            out[written + 1] = (c1 & 0x0f) << 4 | c2 >> 2
                            written += 2
                        }
                    } else {
                        let c2 = table[Int(input[index + 2])], c3 = table[Int(input[index + 3])]
                        if (c2 | c3) == 0xff { failed = true } else {
                            out[written] = c0 << 2 | c1 >> 4
                            out[written + 1] = (c1 & 0x0f) << 4 | c2 >> 2
                            out[written + 2] = (c2 & 0x03) << 6 | c3
                            written += 3
                        }
                    }
                }
                initialized = failed ? 0 : written
            }
        }
        return failed ? nil : output
    }

    /// Decodes strict base64 (no whitespace) in pieces of at most `chunk` output bytes,
    /// handing each to `body`, so that a large attachment can be hashed without holding its
    /// bytes. Returns the decoded length, or nil (after some pieces) when the text is invalid.
    public static func decodeInPieces(_ text: String, chunk: Int = 48 * 1024,
                                      _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Int? {
        var text = text
        return text.withUTF8 { input -> Int? in
            guard input.count % 4 == 0 else { return nil }
            let step = max(4, chunk / 3 * 4)
            var offset = 0, total = 0
            repeat {
                let end = min(offset + step, input.count)
                let isLast = end == input.count
                guard let piece = decode(utf8: UnsafeBufferPointer(rebasing: input[offset..<end]),
                                         ignoringWhitespace: false, allowPadding: isLast)
                else { return nil }
                piece.withUnsafeBufferPointer(body)
                total += piece.count
                offset = end
            } while offset < input.count
            return total
        }
    }
}
