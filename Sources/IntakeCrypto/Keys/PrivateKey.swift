import COpenSSL

/// A private key held by OpenSSL (`EVP_PKEY`): EC P-256/P-384, RSA, or Ed25519.
///
/// Keys are made by the OpenSSL library (never by shelling out) and written as unencrypted
/// PKCS #8 PEM (RFC 5958, RFC 7468 `PRIVATE KEY`); the home's files are mode 0600.
public final class PrivateKey: @unchecked Sendable {
    // Immutable after init; OpenSSL's EVP_PKEY is safe for concurrent read-only use.
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    public enum Kind: String, Sendable, CaseIterable {
        case ecP256 = "ec-p256", ecP384 = "ec-p384", rsa3072 = "rsa-3072", rsa2048 = "rsa-2048", ed25519
    }

    /// A fresh key of the given kind.
    public static func generate(_ kind: Kind) throws(CryptoError) -> PrivateKey {
        OpenSSLErrors.clear()
        let made: OpaquePointer? = switch kind {
        case .ecP256: shim_keygen_ec("P-256")
        case .ecP384: shim_keygen_ec("P-384")
        case .rsa3072: shim_keygen_rsa(3072)
        case .rsa2048: shim_keygen_rsa(2048)
        case .ed25519: shim_keygen_ed25519()
        }
        guard let made else { throw .openssl("keygen-failed") }
        return PrivateKey(owning: made)
    }

    /// Reads a PEM private key (PKCS #8, or the traditional RSA/EC forms).
    public convenience init(pem: [UInt8]) throws(CryptoError) {
        OpenSSLErrors.clear()
        let key = try MemoryBIO.withReadable(pem) { bio throws(CryptoError) -> OpaquePointer in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else { throw .openssl("bad-private-key") }
            return key
        }
        self.init(owning: key)
    }

    /// The key as PKCS #8 PEM.
    public func pem() throws(CryptoError) -> [UInt8] {
        let bio = try MemoryBIO.writable()
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) == 1 else {
            throw .openssl("pem-write-failed")
        }
        return MemoryBIO.contents(bio)
    }

    /// The public half as SubjectPublicKeyInfo PEM.
    public func publicKeyPEM() throws(CryptoError) -> [UInt8] {
        let bio = try MemoryBIO.writable()
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, pointer) == 1 else { throw .openssl("pem-write-failed") }
        return MemoryBIO.contents(bio)
    }

    /// The OpenSSL type name: "EC", "RSA", "ED25519".
    public var typeName: String {
        guard let name = EVP_PKEY_get0_type_name(pointer) else { return "?" }
        return String(cString: name)
    }

    public var isRSA: Bool { EVP_PKEY_is_a(pointer, "RSA") == 1 }
    public var isEd25519: Bool { EVP_PKEY_is_a(pointer, "ED25519") == 1 }

    /// The raw public key, for Ed25519 (32 bytes).
    public func rawPublicKey() throws(CryptoError) -> [UInt8] {
        var length = 0
        guard EVP_PKEY_get_raw_public_key(pointer, nil, &length) == 1 else { throw .openssl("no-raw-key") }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_raw_public_key(pointer, &out, &length) == 1 else { throw .openssl("no-raw-key") }
        return Array(out.prefix(length))
    }

    /// True when `certificate` carries this key's public half.
    public func matches(_ certificate: Certificate) -> Bool {
        X509_check_private_key(certificate.pointer, pointer) == 1
    }
}
