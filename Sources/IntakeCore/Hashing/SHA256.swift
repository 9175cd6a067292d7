import COpenSSL

/// SHA-256 (FIPS 180-4), computed by OpenSSL's libcrypto. A pure function: the core uses it
/// for content addresses, leaf and node hashes, and key ids.
public enum SHA256 {
    public static let byteCount = 32

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash(buffer: $0) }
    }

    /// The digest of the bytes in `buffer`.
    public static func hash(buffer input: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        digest.withUnsafeMutableBytes { output in
            _ = COpenSSL.SHA256(
                input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count,
                output.baseAddress?.assumingMemoryBound(to: UInt8.self))
        }
        return digest
    }

    /// The digest of several byte strings fed in order, as if concatenated.
    public static func hash(parts: [[UInt8]]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        for part in parts {
            part.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }
        var length: UInt32 = 0
        digest.withUnsafeMutableBytes {
            _ = EVP_DigestFinal_ex(context, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
        return digest
    }

    /// Lowercase hex of the digest of `bytes`: the form used in file names, JSON and logs.
    public static func hex(_ bytes: [UInt8]) -> String {
        Hex.encode(hash(bytes))
    }
}

/// Lowercase hexadecimal, the one textual form of hashes in intake.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes lowercase or uppercase hex; nil on an odd length or a non-hex character.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// True when `text` is exactly 64 lowercase hex digits (a SHA-256 in intake's form).
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}

/// An incremental SHA-256, for inputs hashed while they stream (too large to hold).
public final class SHA256Hasher {
    private let context: OpaquePointer?

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ buffer: UnsafeRawBufferPointer) {
        _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
    }

    /// The digest of everything fed so far, lowercase hex. Call once (or `reset` after).
    public func finalizeHex() -> String {
        Hex.encode(finalize())
    }

    /// The digest of everything fed so far. Call once (or `reset` after).
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: SHA256.byteCount)
        var length: UInt32 = 0
        digest.withUnsafeMutableBytes {
            _ = EVP_DigestFinal_ex(context, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
        return digest
    }

    /// Starts over, reusing the context.
    public func reset() {
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }
}

extension SHA256Hasher {
    /// RFC 9162 leaf hash, SHA-256(0x00 || entry), with a context reused across calls (the
    /// audit hashes millions of leaves).
    public func leafHash(_ entry: UnsafeRawBufferPointer) -> [UInt8] {
        reset()
        var prefix: UInt8 = 0
        withUnsafeBytes(of: &prefix) { update($0) }
        update(entry)
        return finalize()
    }
}
