import IntakeCore
import COpenSSL
import Glibc

/// An X.509 certificate (RFC 5280) held by OpenSSL.
public final class Certificate: @unchecked Sendable, CustomStringConvertible {
    // Immutable after init; X509 objects are safe for concurrent read-only use.
    let pointer: OpaquePointer

    /// Takes ownership of one reference.
    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    /// Takes a new reference to a certificate owned elsewhere.
    init(retaining pointer: OpaquePointer) {
        X509_up_ref(pointer)
        self.pointer = pointer
    }

    deinit { X509_free(pointer) }

    /// Every certificate in a PEM file (`CERTIFICATE` blocks), in order.
    public static func all(pem: [UInt8]) throws(CryptoError) -> [Certificate] {
        OpenSSLErrors.clear()
        return try MemoryBIO.withReadable(pem) { bio throws(CryptoError) -> [Certificate] in
            var result: [Certificate] = []
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                result.append(Certificate(owning: x509))
            }
            OpenSSLErrors.clear()  // the end of the file shows up as an error
            guard !result.isEmpty else { throw CryptoError(code: "no-certificate") }
            return result
        }
    }

    /// The first certificate of a PEM file.
    public convenience init(pem: [UInt8]) throws(CryptoError) {
        let first = try Certificate.all(pem: pem)[0]
        self.init(retaining: first.pointer)
    }

    /// A DER-encoded certificate.
    public convenience init(der: [UInt8]) throws(CryptoError) {
        OpenSSLErrors.clear()
        let x509 = try MemoryBIO.withReadable(der) { bio throws(CryptoError) -> OpaquePointer in
            guard let x509 = d2i_X509_bio(bio, nil) else { throw .openssl("bad-certificate") }
            return x509
        }
        self.init(owning: x509)
    }

    public func der() throws(CryptoError) -> [UInt8] {
        let bio = try MemoryBIO.writable()
        defer { BIO_free(bio) }
        guard i2d_X509_bio(bio, pointer) == 1 else { throw .openssl("der-write-failed") }
        return MemoryBIO.contents(bio)
    }

    public func pem() throws(CryptoError) -> [UInt8] {
        let bio = try MemoryBIO.writable()
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, pointer) == 1 else { throw .openssl("pem-write-failed") }
        return MemoryBIO.contents(bio)
    }

    /// SHA-256 of the DER encoding, lowercase hex: how a certificate is pinned to an agency.
    public var fingerprint: String {
        (try? der()).map { SHA256.hex($0) } ?? ""
    }

    /// The subject as a one-line RFC 2253 string.
    public var subject: String { Self.nameString(X509_get_subject_name(pointer)) }
    public var issuer: String { Self.nameString(X509_get_issuer_name(pointer)) }

    /// notBefore and notAfter as Unix seconds.
    public var validity: (notBefore: Int64, notAfter: Int64) {
        (Self.unixSeconds(shim_x509_not_before(pointer)), Self.unixSeconds(shim_x509_not_after(pointer)))
    }

    /// Whether the certificate claims to be a certificate authority: `cA` TRUE in its
    /// basicConstraints (RFC 5280 §4.2.1.9) or the keyCertSign bit in its keyUsage
    /// (§4.2.1.3: "The keyCertSign bit is asserted when the subject public key is used for
    /// verifying signatures on public key certificates"). An agency's signing certificate
    /// must be neither: a CA key could mint further "agency" certificates under the anchor.
    public var isCertificateAuthority: Bool {
        let flags = X509_get_extension_flags(pointer)
        if flags & UInt32(EXFLAG_CA) != 0 { return true }
        return flags & UInt32(EXFLAG_KUSAGE) != 0 && X509_get_key_usage(pointer) & UInt32(KU_KEY_CERT_SIGN) != 0
    }

    /// Whether a sender may encrypt to the certificate's key (RFC 8550 §4.4.2): a CA cannot
    /// be a recipient, and a keyUsage extension, when present, must allow keyAgreement (EC)
    /// or keyEncipherment (RSA). A signing-only certificate such as `receipt.crt` cannot.
    public var allowsEncryption: Bool {
        guard !isCertificateAuthority else { return false }
        let flags = X509_get_extension_flags(pointer)
        guard flags & UInt32(EXFLAG_KUSAGE) != 0 else { return true }
        return X509_get_key_usage(pointer) & UInt32(KU_KEY_AGREEMENT | KU_KEY_ENCIPHERMENT) != 0
    }

    public var description: String { "\(subject) [\(fingerprint.prefix(16))]" }

    static func nameString(_ name: OpaquePointer?) -> String {
        guard let name, let bio = try? MemoryBIO.writable() else { return "" }
        defer { BIO_free(bio) }
        _ = shim_name_print_rfc2253(bio, name)
        return String(decoding: MemoryBIO.contents(bio), as: UTF8.self)
    }

    static func unixSeconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let time else { return 0 }
        var tm = tm()
        guard ASN1_TIME_to_tm(time, &tm) == 1 else { return 0 }
        return Int64(timegm(&tm))
    }
}
