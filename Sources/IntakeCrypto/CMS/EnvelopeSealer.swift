import COpenSSL
import IntakeCore

/// Seals a scoping return the way DESIGN §3's stock-openssl recipe does:
///
///     openssl cms -sign -binary -nodetach -in return.json -signer agency.crt -inkey agency.key -outform DER |
///     openssl cms -encrypt -binary -aes-256-gcm -recip intake.crt -outform DER -out return.p7m
///
/// An RFC 5652 SignedData with attached content (SHA-256, signer certificate included),
/// inside an RFC 5083 AuthEnvelopedData (AES-256-GCM) or an EnvelopedData (AES-256-CBC) to
/// each recipient: ECDH key agreement for EC certificates, RSA-OAEP (or PKCS #1 v1.5 on
/// request) key transport for RSA ones.
public enum EnvelopeSealer {
    public enum Cipher: String, Sendable, CaseIterable {
        case aes256GCM = "aes-256-gcm", aes128GCM = "aes-128-gcm", aes256CBC = "aes-256-cbc"
    }

    public enum RSAPadding: String, Sendable {
        case oaep, pkcs1v15
    }

    /// A DER SignedData over `content`, attached, signed by `signer` with `key`; `chain`
    /// certificates are included after the signer's.
    public static func sign(_ content: [UInt8], signer: Certificate, key: PrivateKey, chain: [Certificate] = []) throws(CryptoError) -> [UInt8] {
        OpenSSLErrors.clear()
        guard let extra = shim_x509_stack_new() else { throw .openssl("out-of-memory") }
        defer { shim_x509_stack_free_shallow(extra) }
        for certificate in chain { _ = shim_x509_stack_push(extra, certificate.pointer) }
        return try MemoryBIO.withReadable(content) { input throws(CryptoError) -> [UInt8] in
            guard let cms = CMS_sign(signer.pointer, key.pointer, extra, input, UInt32(CMS_BINARY)) else {
                throw .openssl("sign-failed")
            }
            defer { CMS_ContentInfo_free(cms) }
            return try der(cms)
        }
    }

    /// Encrypts `content` to every recipient certificate.
    public static func encrypt(
        _ content: [UInt8], to recipients: [Certificate],
        cipher: Cipher = .aes256GCM, rsaPadding: RSAPadding = .oaep
    ) throws(CryptoError) -> [UInt8] {
        OpenSSLErrors.clear()
        guard !recipients.isEmpty else { throw CryptoError(code: "no-recipients") }
        let evpCipher: OpaquePointer? = switch cipher {
        case .aes256GCM: EVP_aes_256_gcm()
        case .aes128GCM: EVP_aes_128_gcm()
        case .aes256CBC: EVP_aes_256_cbc()
        }
        let flags = UInt32(CMS_BINARY | CMS_PARTIAL)
        guard let cms = CMS_encrypt(nil, nil, evpCipher, flags) else { throw .openssl("encrypt-failed") }
        defer { CMS_ContentInfo_free(cms) }
        for recipient in recipients {
            guard let publicKey = X509_get0_pubkey(recipient.pointer) else { throw .openssl("bad-recipient") }
            let isRSA = EVP_PKEY_is_a(publicKey, "RSA") == 1
            let recipientFlags = UInt32(isRSA ? CMS_KEY_PARAM : 0)
            guard let info = CMS_add1_recipient_cert(cms, recipient.pointer, recipientFlags) else {
                throw .openssl("bad-recipient")
            }
            if isRSA {
                let padding = rsaPadding == .oaep ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING
                guard let context = CMS_RecipientInfo_get0_pkey_ctx(info),
                      EVP_PKEY_CTX_set_rsa_padding(context, padding) == 1
                else { throw .openssl("bad-recipient") }
            }
        }
        try MemoryBIO.withReadable(content) { input throws(CryptoError) in
            guard CMS_final(cms, input, nil, flags) == 1 else { throw .openssl("encrypt-failed") }
        }
        return try der(cms)
    }

    /// Signs, then encrypts: a complete submission envelope in DER.
    public static func seal(
        _ content: [UInt8], signer: Certificate, key: PrivateKey, chain: [Certificate] = [],
        to recipients: [Certificate], cipher: Cipher = .aes256GCM, rsaPadding: RSAPadding = .oaep
    ) throws(CryptoError) -> [UInt8] {
        let signed = try sign(content, signer: signer, key: key, chain: chain)
        return try encrypt(signed, to: recipients, cipher: cipher, rsaPadding: rsaPadding)
    }

    /// Re-encodes a DER envelope as PEM (`-----BEGIN CMS-----`).
    public static func pem(fromDER der: [UInt8]) throws(CryptoError) -> [UInt8] {
        try MemoryBIO.withReadable(der) { input throws(CryptoError) -> [UInt8] in
            guard let cms = d2i_CMS_bio(input, nil) else { throw .openssl("malformed") }
            defer { CMS_ContentInfo_free(cms) }
            let out = try MemoryBIO.writable()
            defer { BIO_free(out) }
            guard shim_pem_write_cms(out, cms) == 1 else { throw .openssl("pem-write-failed") }
            return MemoryBIO.contents(out)
        }
    }

    static func der(_ cms: OpaquePointer) throws(CryptoError) -> [UInt8] {
        let out = try MemoryBIO.writable()
        defer { BIO_free(out) }
        guard i2d_CMS_bio(out, cms) == 1 else { throw .openssl("der-write-failed") }
        return MemoryBIO.contents(out)
    }
}

extension EnvelopeSealer {
    /// Wraps a DER envelope as an S/MIME entity (RFC 8551 §3.3): `application/pkcs7-mime`,
    /// base64 in 64-character lines.
    public static func smime(fromDER der: [UInt8]) -> [UInt8] {
        let type = EnvelopeStructure.read(der)?.kind == .authEnveloped ? "authEnveloped-data" : "enveloped-data"
        var text = """
        MIME-Version: 1.0\r
        Content-Disposition: attachment; filename="smime.p7m"\r
        Content-Type: application/pkcs7-mime; smime-type=\(type); name="smime.p7m"\r
        Content-Transfer-Encoding: base64\r
        \r

        """
        let encoded = Array(Base64.encode(der).utf8)
        var index = 0
        while index < encoded.count {
            text += String(decoding: encoded[index..<min(index + 64, encoded.count)], as: UTF8.self) + "\r\n"
            index += 64
        }
        return Array(text.utf8)
    }
}
