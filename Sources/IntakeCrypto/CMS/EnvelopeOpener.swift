public import IntakeCore
import COpenSSL

/// Opens submission envelopes (DESIGN §3): RFC 5652 EnvelopedData or RFC 5083
/// AuthEnvelopedData, in DER, PEM or S/MIME, addressed to the intake certificate, holding a
/// SignedData with attached content signed by an agency certificate.
///
/// Each step maps its failure to exactly one reason code:
///
/// | step | failure |
/// |---|---|
/// | encoding and CMS parse | `malformed` |
/// | content cipher, key transport, signature digest | `weak-crypto` |
/// | a recipient matching our certificate | `not-for-us` |
/// | key unwrap, decryption, authentication tag; AES-CBC plaintext that is not CMS | `decrypt-failed` (all alike) |
/// | inner SignedData, attached, one signer | `malformed` |
/// | signer certificate found | `unknown-signer` |
/// | signature over the content | `bad-signature` |
/// | chain to a trust anchor, S/MIME signing purpose | `untrusted-signer` |
/// | validity at the receipt time | `cert-expired` |
///
/// Whatever a failed `CMS_decrypt` or `CMS_verify` wrote is wiped and discarded.
public final class EnvelopeOpener: Sendable {
    let key: PrivateKey
    let certificate: Certificate
    let trust: TrustStore
    let policy: CryptoPolicy

    /// Signs RFC 2634 signed receipts for signers that request one (the receipt key).
    let receiptSigner: (certificate: Certificate, key: PrivateKey)?

    public init(key: PrivateKey, certificate: Certificate, trust: TrustStore, policy: CryptoPolicy,
                receiptSigner: (certificate: Certificate, key: PrivateKey)? = nil) throws(CryptoError) {
        guard key.matches(certificate) else {
            throw CryptoError(code: "key-mismatch", detail: "the intake key does not match the intake certificate")
        }
        self.key = key
        self.certificate = certificate
        self.trust = trust
        self.policy = policy
        self.receiptSigner = receiptSigner
    }

    /// Opens `bytes` as received at `receivedAt` (Unix seconds). `knownSigners` are the
    /// registered agency certificates, offered to find a signer that did not include its
    /// own certificate.
    public func open(_ bytes: [UInt8], receivedAt: Int64, knownSigners: [Certificate] = []) -> Result<OpenedEnvelope<[UInt8]>, EnvelopeRejection> {
        open(bytes, receivedAt: receivedAt, knownSigners: knownSigners) { content, _ in Array(content) }
    }

    /// Opens `bytes`, handing the verified signed content to `inspect` in place (no copy);
    /// the buffer is valid only during the call. With it comes the content's SHA-256 when the
    /// signature already proved it (a SHA-256 signer's verified messageDigest attribute), so
    /// that it need not be computed again.
    public func open<Content: Sendable>(
        _ bytes: [UInt8], receivedAt: Int64, knownSigners: [Certificate] = [],
        inspect: (UnsafeRawBufferPointer, _ verifiedSHA256: [UInt8]?) -> Content
    ) -> Result<OpenedEnvelope<Content>, EnvelopeRejection> {
        var bytes = bytes
        return open(releasing: &bytes, receivedAt: receivedAt, knownSigners: knownSigners, inspect: inspect)
    }

    /// What the pipeline learns from a submission's signed content, where OpenSSL holds it
    /// (never copied whole): its SHA-256 and its `scoping-return/v1` verdict.
    public struct InspectedReturn: Sendable {
        public let contentSha256: String
        public let verdict: ReturnVerdict
    }

    /// The pipeline's opening of a submission (and the envelope fuzz target's): as
    /// `open(releasing:receivedAt:knownSigners:inspect:)`, hashing and validating the return.
    public func openReturn(releasing bytes: inout [UInt8], receivedAt: Int64,
                           knownSigners: [Certificate]) -> Result<OpenedEnvelope<InspectedReturn>, EnvelopeRejection> {
        open(releasing: &bytes, receivedAt: receivedAt, knownSigners: knownSigners) { content, verifiedSHA256 in
            InspectedReturn(contentSha256: Hex.encode(verifiedSHA256 ?? SHA256.hash(buffer: content)),
                            verdict: ScopingReturn.validate(buffer: content))
        }
    }

    /// As `open(_:receivedAt:knownSigners:inspect:)`, emptying `bytes` as soon as OpenSSL has
    /// its own copy of the ciphertext: with the caller's only reference, a large envelope's
    /// bytes are freed before it is decrypted.
    public func open<Content: Sendable>(
        releasing bytes: inout [UInt8], receivedAt: Int64, knownSigners: [Certificate] = [],
        inspect: (UnsafeRawBufferPointer, _ verifiedSHA256: [UInt8]?) -> Content
    ) -> Result<OpenedEnvelope<Content>, EnvelopeRejection> {
        OpenSSLErrors.clear()
        defer { OpenSSLErrors.clear() }
        do throws(EnvelopeRejection) {
            guard let encoding = EnvelopeEncoding.sniff(bytes) else {
                throw EnvelopeRejection(.malformed, "not a CMS envelope in DER, PEM or S/MIME")
            }
            let (structure, inner) = try decrypt(releasing: &bytes, encoding: encoding)
            defer {
                // The signed content (the return's plaintext) is wiped before OpenSSL frees it.
                if let slot = CMS_get0_content(inner), let content = slot.pointee, ASN1_STRING_length(content) > 0,
                   let data = ASN1_STRING_get0_data(content) {
                    OPENSSL_cleanse(UnsafeMutableRawPointer(mutating: data), Int(ASN1_STRING_length(content)))
                }
                CMS_ContentInfo_free(inner)
            }
            return .success(try verify(inner, encoding: encoding, structure: structure,
                                       receivedAt: receivedAt, knownSigners: knownSigners, inspect: inspect))
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Outer envelope

    private func parse(_ der: [UInt8], encoding: EnvelopeEncoding) throws(EnvelopeRejection) -> OpaquePointer {
        guard let cms = Self.parseDER(der) else {
            OpenSSLErrors.clear()
            throw EnvelopeRejection(.malformed, "cannot parse the \(encoding.rawValue.uppercased()) envelope as CMS")
        }
        return cms
    }

    /// Parses a DER/BER ContentInfo straight from memory (d2i_CMS_ContentInfo), without the
    /// BIO reader's chunked copying; nil when it is not one. Bytes after it are ignored (the
    /// envelope hash still covers them, and store/ keeps them).
    static func parseDER(_ bytes: [UInt8]) -> OpaquePointer? {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return parseDER(base, count: buffer.count)
        }
    }

    static func parseDER(_ base: UnsafePointer<UInt8>, count: Int) -> OpaquePointer? {
        var cursor: UnsafePointer<UInt8>? = base
        guard let cms = d2i_CMS_ContentInfo(nil, &cursor, count) else {
            OpenSSLErrors.clear()
            return nil
        }
        return cms
    }

    /// Decrypts the envelope and parses the inner CMS; the caller frees it.
    private func decrypt(releasing bytes: inout [UInt8], encoding: EnvelopeEncoding) throws(EnvelopeRejection) -> (EnvelopeStructure, OpaquePointer) {
        guard var der = encoding.der(from: bytes) else {
            throw EnvelopeRejection(.malformed, "the \(encoding.rawValue.uppercased()) armour is not well formed")
        }
        bytes = []
        let cms = try parse(der, encoding: encoding)
        var outer: OpaquePointer? = cms
        defer { if let outer { CMS_ContentInfo_free(outer) } }
        guard let structure = EnvelopeStructure.read(der) else {
            let type = OBJ_obj2nid(CMS_get0_type(cms))
            throw EnvelopeRejection(.malformed, type == NID_pkcs7_signed
                ? "a SignedData that is not encrypted; seal it to the intake certificate"
                : "not an EnvelopedData or AuthEnvelopedData")
        }
        if case .refused(let what) = policy.contentCipher(structure) {
            throw EnvelopeRejection(.weakCrypto, "refused content cipher: \(what)")
        }
        // Every RecipientInfo that names us must pass, not only the first: CMS_decrypt may try each.
        for transport in try recipientTransports(cms) {
            if case .refused(let what) = policy.keyTransport(transport) {
                throw EnvelopeRejection(.weakCrypto, "refused \(what)")
            }
        }
        // Room for the plaintext up front (it is about the size of the ciphertext).
        let capacity = der.count + 4096
        der = []  // OpenSSL holds the ciphertext now
        guard let out = shim_bio_with_capacity(capacity) else { throw EnvelopeRejection(.decryptFailed, "out of memory") }
        defer {
            MemoryBIO.discard(out)
            BIO_free(out)
        }
        OpenSSLErrors.clear()
        guard CMS_decrypt(cms, key.pointer, certificate.pointer, nil, out, UInt32(CMS_BINARY)) == 1 else {
            OpenSSLErrors.clear()
            throw Self.decryptFailed
        }
        CMS_ContentInfo_free(cms)  // before the inner copy is made: one large buffer fewer at the peak
        outer = nil
        // Parsed straight from the decryption's output; the output is then wiped (defer).
        var pointer: UnsafeMutablePointer<CChar>?
        let length = shim_bio_mem_data(out, &pointer)
        guard length > 0, let pointer,
              let inner = pointer.withMemoryRebound(to: UInt8.self, capacity: length, { Self.parseDER($0, count: length) })
        else {
            OpenSSLErrors.clear()
            // Nothing authenticates AES-CBC plaintext, and when RSA key transport fails OpenSSL
            // decrypts with a random key (against padding oracles): bytes that are not CMS may
            // be what a wrong key made, so they are a decryption failure, alike every time.
            // Authenticated (AES-GCM) plaintext is what the sender sealed: malformed.
            if structure.kind == .enveloped { throw Self.decryptFailed }
            throw EnvelopeRejection(.malformed, "the decrypted content is not a CMS SignedData")
        }
        return (structure, inner)
    }

    /// Every decryption failure, whatever its cause, looks the same (DESIGN §3).
    static let decryptFailed = EnvelopeRejection(.decryptFailed, "the envelope could not be decrypted with the intake key")

    /// How the content key reached us: the key transport of each RecipientInfo that names our
    /// certificate, or `not-for-us` when none does.
    ///
    /// For ECDH (key agreement) only AES key wrap (RFC 3394: what RFC 5753 and every S/MIME
    /// client use) is accepted; never 3DES wrap, and never AES key wrap *with padding*
    /// (RFC 5649), which no CMS sender needs (AES content keys are whole 64-bit blocks) and
    /// which OpenSSL 3.0 (`CRYPTO_128_unwrap_pad`) mishandles: when a padded wrapped key fails
    /// to unwrap it wipes 8 bytes past the end of its heap buffer, so a damaged envelope could
    /// corrupt the intake's memory. Found by `FuzzEnvelopeOpen` (docs/testing.md); OpenSSL's
    /// fix (openssl/openssl#30663) is not in Debian 12's 3.0.
    private func recipientTransports(_ cms: OpaquePointer) throws(EnvelopeRejection) -> [CryptoPolicy.KeyTransport] {
        guard let infos = CMS_get0_RecipientInfos(cms) else {
            throw EnvelopeRejection(.malformed, "no RecipientInfos")
        }
        var transports: [CryptoPolicy.KeyTransport] = []
        for index in 0..<shim_recipient_infos_count(infos) {
            guard let info = shim_recipient_infos_get(infos, index) else { continue }
            switch CMS_RecipientInfo_type(info) {
            case CMS_RECIPINFO_TRANS:
                guard CMS_RecipientInfo_ktri_cert_cmp(info, certificate.pointer) == 0 else { continue }
                var algorithm: UnsafeMutablePointer<X509_ALGOR>?
                guard CMS_RecipientInfo_ktri_get0_algs(info, nil, nil, &algorithm) == 1, let algorithm else {
                    throw EnvelopeRejection(.malformed, "a KeyTransRecipientInfo without an algorithm")
                }
                var object: OpaquePointer?
                X509_ALGOR_get0(&object, nil, nil, algorithm)
                switch OBJ_obj2nid(object) {
                case NID_rsaEncryption: transports.append(.rsaPKCS1v15)
                case NID_rsaesOaep: transports.append(.rsaOAEP)
                case let nid: transports.append(.other(nid == NID_undef ? "unknown" : String(cString: OBJ_nid2sn(nid))))
                }
            case CMS_RECIPINFO_AGREE:
                guard let keys = CMS_RecipientInfo_kari_get0_reks(info) else { continue }
                for keyIndex in 0..<shim_reks_count(keys) {
                    guard let encryptedKey = shim_reks_get(keys, keyIndex),
                          CMS_RecipientEncryptedKey_cert_cmp(encryptedKey, certificate.pointer) == 0
                    else { continue }
                    switch shim_kari_wrap_nid(info) {
                    case NID_id_aes128_wrap, NID_id_aes192_wrap, NID_id_aes256_wrap:
                        transports.append(.keyAgreement)
                    case NID_undef:
                        OpenSSLErrors.clear()
                        transports.append(.other("key agreement without a readable key-wrap algorithm"))
                    case let nid:
                        transports.append(.other("key wrap \(String(cString: OBJ_nid2sn(nid)))"))
                    }
                }
            default:
                continue
            }
        }
        OpenSSLErrors.clear()
        guard !transports.isEmpty else { throw EnvelopeRejection(.notForUs, "no recipient matches the intake certificate") }
        return transports
    }

    // MARK: - Inner SignedData

    private func verify<Content: Sendable>(
        _ inner: OpaquePointer, encoding: EnvelopeEncoding, structure: EnvelopeStructure,
        receivedAt: Int64, knownSigners: [Certificate], inspect: (UnsafeRawBufferPointer, [UInt8]?) -> Content
    ) throws(EnvelopeRejection) -> OpenedEnvelope<Content> {
        guard OBJ_obj2nid(CMS_get0_type(inner)) == NID_pkcs7_signed else {
            throw EnvelopeRejection(.malformed, "the decrypted content is not a SignedData")
        }
        guard CMS_is_detached(inner) == 0, let contentSlot = CMS_get0_content(inner), let contentString = contentSlot.pointee else {
            throw EnvelopeRejection(.malformed, "the SignedData does not carry its content (detached signature)")
        }
        guard OBJ_obj2nid(CMS_get0_eContentType(inner)) == NID_pkcs7_data else {
            throw EnvelopeRejection(.malformed, "the signed content type is not id-data")
        }
        guard let signerInfos = CMS_get0_SignerInfos(inner), shim_signer_infos_count(signerInfos) == 1,
              let signerInfo = shim_signer_infos_get(signerInfos, 0)
        else { throw EnvelopeRejection(.malformed, "the SignedData must have exactly one signer") }

        var digestAlgorithm: UnsafeMutablePointer<X509_ALGOR>?
        CMS_SignerInfo_get0_algs(signerInfo, nil, nil, &digestAlgorithm, nil)
        var digestObject: OpaquePointer?
        if let digestAlgorithm { X509_ALGOR_get0(&digestObject, nil, nil, digestAlgorithm) }
        let digestNID = OBJ_obj2nid(digestObject)
        let digestName = digestNID == NID_undef ? "unknown" : String(cString: OBJ_nid2sn(digestNID))
        if case .refused(let what) = policy.signatureDigest(digestName) {
            throw EnvelopeRejection(.weakCrypto, "refused \(what)")
        }

        // Find the signer's certificate among those it carried and the registered agencies'.
        guard let candidates = shim_x509_stack_new() else { throw EnvelopeRejection(.malformed, "out of memory") }
        defer { shim_x509_stack_free_shallow(candidates) }
        for known in knownSigners { _ = shim_x509_stack_push(candidates, known.pointer) }
        _ = CMS_set1_signers_certs(inner, candidates, 0)
        OpenSSLErrors.clear()
        var signerPointer: OpaquePointer?
        CMS_SignerInfo_get0_algs(signerInfo, nil, &signerPointer, nil, nil)
        guard let signerPointer else {
            throw EnvelopeRejection(.unknownSigner, "the signer's certificate is neither included nor registered")
        }
        let signer = Certificate(retaining: signerPointer)

        // The signature over the content, before any question of trust. No output BIO: the
        // content is digested and dropped, and read afterwards from the verified structure.
        let flags = UInt32(CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY)
        guard CMS_verify(inner, candidates, nil, nil, nil, flags) == 1 else {
            OpenSSLErrors.clear()
            throw EnvelopeRejection(.badSignature, "the signature does not verify over the signed content")
        }

        // The chain, at the receipt time.
        var carried: [Certificate] = []
        if let included = CMS_get1_certs(inner) {
            for index in 0..<shim_x509_stack_count(included) {
                if let certificate = shim_x509_stack_get(included, index) { carried.append(Certificate(retaining: certificate)) }
            }
            shim_x509_stack_free_deep(included)
        }
        switch trust.verify(signer, intermediates: carried, at: receivedAt) {
        case .trusted: break
        case .expired: throw EnvelopeRejection(.certExpired, "the signing certificate was not valid at the time of receipt")
        case .untrusted(let why): throw EnvelopeRejection(.untrustedSigner, "the signing certificate is not trusted: \(why)")
        }

        let length = Int(ASN1_STRING_length(contentString))
        // CMS_verify checked the messageDigest attribute against the content with the signer's
        // digest algorithm: for SHA-256 it is the content's SHA-256.
        var verifiedSHA256: [UInt8]?
        if digestNID == NID_sha256,
           let attribute = CMS_signed_get0_data_by_OBJ(signerInfo, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING) {
            let digest = attribute.assumingMemoryBound(to: ASN1_OCTET_STRING.self)
            if ASN1_STRING_length(digest) == 32, let data = ASN1_STRING_get0_data(digest) {
                verifiedSHA256 = Array(UnsafeBufferPointer(start: data, count: 32))
            }
        }
        let content = inspect(UnsafeRawBufferPointer(start: length > 0 ? ASN1_STRING_get0_data(contentString) : nil, count: max(length, 0)),
                              verifiedSHA256)
        return OpenedEnvelope(encoding: encoding, structure: structure, content: content,
                              signer: signer, signerFingerprint: signer.fingerprint,
                              signedReceipt: signedReceipt(for: signerInfo), signingTime: Self.signingTime(signerInfo))
    }

    /// RFC 5652 §11.3: `SigningTime ::= Time` (UTCTime through 2049, GeneralizedTime after), a
    /// signed attribute, so covered by the signature that just verified.
    static func signingTime(_ signerInfo: OpaquePointer) -> Int64? {
        let object = OBJ_nid2obj(NID_pkcs9_signingTime)
        for type in [V_ASN1_UTCTIME, V_ASN1_GENERALIZEDTIME] {
            if let value = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, type) {
                let time = value.assumingMemoryBound(to: ASN1_TIME.self)
                var tm = tm()
                guard ASN1_TIME_to_tm(time, &tm) == 1 else { OpenSSLErrors.clear(); return nil }
                return Int64(timegm(&tm))
            }
        }
        OpenSSLErrors.clear()
        return nil
    }

    /// RFC 2634 §2: when the verified SignerInfo carries a receiptRequest attribute, a signed
    /// receipt (a SignedData of id-ct-receipt bound to the agency's signature value), DER.
    /// nil when none was requested or no receipt key was given.
    private func signedReceipt(for signerInfo: OpaquePointer) -> [UInt8]? {
        guard let receiptSigner else { return nil }
        var request: OpaquePointer?
        guard CMS_get1_ReceiptRequest(signerInfo, &request) == 1, let request else {
            OpenSSLErrors.clear()
            return nil
        }
        CMS_ReceiptRequest_free(request)
        guard let receipt = CMS_sign_receipt(signerInfo, receiptSigner.certificate.pointer, receiptSigner.key.pointer, nil,
                                             UInt32(CMS_BINARY))
        else {
            OpenSSLErrors.clear()
            return nil
        }
        defer { CMS_ContentInfo_free(receipt) }
        return try? EnvelopeSealer.der(receipt)
    }

}
