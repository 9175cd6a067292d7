/// Strict UTF-8 (RFC 3629 §3): one multi-byte sequence read where it starts, refusing
/// overlong forms, surrogates (U+D800–U+DFFF) and anything past U+10FFFF. The canonical-JSON
/// scanner and escaped file names read UTF-8 with it.
enum StrictUTF8 {
    /// The scalar of the sequence of two or more bytes starting at `start`, and the index
    /// after it; nil when the bytes there are not one (an ASCII byte included).
    @inline(__always)
    static func sequence(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (scalar: UInt32, end: Int)? {
        let first = bytes[start]
        let count: Int, minimum: UInt32
        var scalar: UInt32
        switch first {
        case 0xC2...0xDF: count = 2; minimum = 0x80; scalar = UInt32(first & 0x1F)
        case 0xE0...0xEF: count = 3; minimum = 0x800; scalar = UInt32(first & 0x0F)
        case 0xF0...0xF4: count = 4; minimum = 0x10000; scalar = UInt32(first & 0x07)
        default: return nil
        }
        guard start + count <= bytes.count else { return nil }
        for offset in 1..<count {
            let byte = bytes[start + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return nil }
        return (scalar, start + count)
    }
}
