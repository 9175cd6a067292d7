import COpenSSL

/// Ed25519 (RFC 8032) signing and verification through OpenSSL's EVP API: the ledger key
/// that signs checkpoints as C2SP signed notes.
public enum Ed25519 {
    /// Signs `message` with an Ed25519 private key (64-byte signature).
    public static func sign(_ message: [UInt8], with key: PrivateKey) throws(CryptoError) -> [UInt8] {
        guard key.isEd25519 else { throw CryptoError(code: "not-ed25519") }
        OpenSSLErrors.clear()
        guard let context = EVP_MD_CTX_new() else { throw .openssl("out-of-memory") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pointer) == 1 else { throw .openssl("sign-failed") }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1, length == 64 else {
            throw .openssl("sign-failed")
        }
        return signature
    }

    /// True when `signature` is a valid Ed25519 signature of `message` under the raw 32-byte
    /// `publicKey`.
    public static func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32 else { return false }
        defer { OpenSSLErrors.clear() }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, 64, message, message.count) == 1
    }
}
