import COpenSSL
import Glibc

/// Verifies a DER CMS SignedData with attached content (RFC 5652 §5) against given trust
/// anchors, as `openssl cms -verify -CAfile …` does: signature, chain, S/MIME signing purpose,
/// validity at `time`. Used for receipts, whose anchor is `keys/receipt.crt`.
public enum SignedDataVerifier {
    /// The signed content, or why it does not verify. Output of a failed verification is
    /// discarded.
    public static func verify(_ der: [UInt8], trusting anchors: [Certificate], at time: Int64) -> Result<[UInt8], CryptoError> {
        OpenSSLErrors.clear()
        defer { OpenSSLErrors.clear() }
        guard let cms = EnvelopeOpener.parseDER(der) else { return .failure(CryptoError(code: "malformed", detail: "not a CMS structure")) }
        defer { CMS_ContentInfo_free(cms) }
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed, CMS_is_detached(cms) == 0 else {
            return .failure(CryptoError(code: "malformed", detail: "not a SignedData with attached content"))
        }
        guard let store = X509_STORE_new() else { return .failure(.openssl("out-of-memory")) }
        defer { X509_STORE_free(store) }
        for anchor in anchors { _ = X509_STORE_add_cert(store, anchor.pointer) }
        X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), time_t(time))
        guard let out = try? MemoryBIO.writable() else { return .failure(.openssl("out-of-memory")) }
        defer { BIO_free(out) }
        guard CMS_verify(cms, nil, store, nil, out, UInt32(CMS_BINARY)) == 1 else {
            MemoryBIO.discard(out)
            return .failure(.openssl("bad-signature"))
        }
        return .success(MemoryBIO.contents(out))
    }
}
