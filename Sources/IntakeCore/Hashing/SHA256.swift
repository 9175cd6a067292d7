import COpenSSL

/// SHA-256 (FIPS 180-4), computed by OpenSSL's libcrypto. A pure function: the core uses it
/// for content addresses, leaf and node hashes, and key ids.
public enum SHA256 {
    public static let byteCount = 32

    /// OpenSSL 3's SHA-256, fetched once. `EVP_sha256()` is a legacy handle that OpenSSL 3
    /// fetches again (under a lock) on every `EVP_DigestInit_ex`, which costs more than hashing
    /// a ledger entry; an explicitly fetched `EVP_MD` skips that. Fetched digests are
    /// immutable and reference-counted, safe to share between threads (OpenSSL's
    /// crypto(7), "Fetching algorithms"); it lives as long as the process.
    nonisolated(unsafe) static let fetched: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash(buffer: $0) }
    }

    /// The digest of the bytes in `buffer`.
    public static func hash(buffer input: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        digest.withUnsafeMutableBytes { output in
            _ = EVP_Digest(input.baseAddress, input.count, output.baseAddress?.assumingMemoryBound(to: UInt8.self),
                           &length, fetched, nil)
        }
        return digest
    }

    /// The digest of several byte strings fed in order, as if concatenated.
    public static func hash(parts: [[UInt8]]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, fetched, nil)
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
        EVP_DigestInit_ex(context, SHA256.fetched, nil)
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
        EVP_DigestInit_ex(context, SHA256.fetched, nil)
    }
}

extension SHA256Hasher {
    /// RFC 9162 leaf hash, SHA-256(0x00 || entry), with a context reused across calls (the
    /// audit hashes millions of leaves).
    public func leafHash(_ entry: UnsafeRawBufferPointer) -> [UInt8] {
        leafDigest(entry).bytes
    }

    /// RFC 9162 leaf hash, SHA-256(0x00 || entry), without allocating.
    public func leafDigest(_ entry: UnsafeRawBufferPointer) -> SHA256Digest {
        reset()
        var prefix: UInt8 = 0
        withUnsafeBytes(of: &prefix) { update($0) }
        update(entry)
        return finalizeDigest()
    }

    /// RFC 9162 interior node hash, SHA-256(0x01 || left || right), without allocating.
    public func nodeDigest(_ left: SHA256Digest, _ right: SHA256Digest) -> SHA256Digest {
        reset()
        // 0x01 || left || right, contiguous at bytes 7..<72 of nine words (a homogeneous tuple
        // is laid out like a C array): the prefix is the last byte of the first word, so the
        // digests are copied as whole words.
        var head: UInt64 = 0
        withUnsafeMutableBytes(of: &head) { $0[7] = 0x01 }
        var input = (head, left.words.0, left.words.1, left.words.2, left.words.3,
                     right.words.0, right.words.1, right.words.2, right.words.3)
        withUnsafeBytes(of: &input) { update(UnsafeRawBufferPointer(rebasing: $0[7..<72])) }
        return finalizeDigest()
    }

    /// The digest of everything fed so far, without allocating. Call once (or `reset` after).
    public func finalizeDigest() -> SHA256Digest {
        var digest = SHA256Digest()
        var length: UInt32 = 0
        withUnsafeMutableBytes(of: &digest.words) {
            _ = EVP_DigestFinal_ex(context, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
        return digest
    }
}

/// A SHA-256 digest held inline, for code that handles millions of them (the ledger audit):
/// no array, no allocation. Its bytes are `bytes`.
public struct SHA256Digest: Equatable, Sendable {
    /// The 32 bytes in order, as four words in memory order (not numbers).
    public var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    /// The digest whose bytes are `bytes`; nil unless there are exactly 32.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == SHA256.byteCount else { return nil }
        words = (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

    /// True when `bytes` are exactly this digest's 32 bytes.
    public func matches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count == SHA256.byteCount
            && bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self) == words.0
            && bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == words.1
            && bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self) == words.2
            && bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self) == words.3
    }

    public static func == (a: SHA256Digest, b: SHA256Digest) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
}
