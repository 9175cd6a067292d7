import COpenSSL
import Glibc

/// Thin helpers around OpenSSL memory BIOs.
enum MemoryBIO {
    /// A new writable memory BIO.
    static func writable() throws(CryptoError) -> OpaquePointer {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openssl("out-of-memory") }
        return bio
    }

    /// Runs `body` with a read-only BIO over `bytes`, valid only inside `body`.
    static func withReadable<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws(CryptoError) -> T) throws(CryptoError) -> T {
        guard bytes.count <= Int(Int32.max) else { throw CryptoError(code: "too-large") }
        // An empty array may have no base address; OpenSSL wants a non-null pointer.
        let nonEmpty = bytes.isEmpty ? [0] : bytes
        let result: Result<T, CryptoError> = nonEmpty.withUnsafeBytes { raw in
            guard let bio = shim_bio_readonly(raw.baseAddress!, Int32(bytes.count)) else {
                return .failure(.openssl("out-of-memory"))
            }
            defer { BIO_free(bio) }
            do throws(CryptoError) { return .success(try body(bio)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The bytes a memory BIO holds.
    static func contents(_ bio: OpaquePointer) -> [UInt8] {
        var pointer: UnsafeMutablePointer<CChar>?
        let length = shim_bio_mem_data(bio, &pointer)
        guard length > 0, let pointer else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
            Array(UnsafeBufferPointer(start: $0, count: Int(length)))
        }
    }

    /// Overwrites and empties a memory BIO's contents: used to discard the output of a
    /// failed decryption (AES-GCM writes plaintext before it checks the tag).
    static func discard(_ bio: OpaquePointer) {
        var pointer: UnsafeMutablePointer<CChar>?
        let length = shim_bio_mem_data(bio, &pointer)
        if length > 0, let pointer { explicit_bzero(pointer, Int(length)) }
        _ = BIO_ctrl(bio, BIO_CTRL_RESET, 0, nil)
    }
}
