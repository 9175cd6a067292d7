import COpenSSL

/// The trust anchors for agency signing certificates (`HOME/trust/*.pem`), as an
/// OpenSSL `X509_STORE`. Chains are checked for S/MIME signing (RFC 8550) at the receipt
/// time given to each check, never at the clock's time.
public final class TrustStore: @unchecked Sendable {
    // Built once, then only read: X509_STORE lookups are thread-safe.
    let pointer: OpaquePointer
    public let anchors: [Certificate]

    public init(anchors: [Certificate]) throws(CryptoError) {
        guard let store = X509_STORE_new() else { throw .openssl("out-of-memory") }
        pointer = store
        self.anchors = anchors
        for anchor in anchors {
            guard X509_STORE_add_cert(store, anchor.pointer) == 1 else {
                OpenSSLErrors.clear()  // a duplicate anchor is harmless
                continue
            }
        }
    }

    deinit { X509_STORE_free(pointer) }

    public enum ChainVerdict: Sendable, Equatable {
        case trusted
        /// Some certificate in the chain was outside its validity period at the check time.
        case expired
        /// No chain to an anchor, or not usable for S/MIME signing; OpenSSL's reason text.
        case untrusted(String)
    }

    /// Checks that `leaf` chains to an anchor (with `intermediates` as untrusted helpers),
    /// is valid at `time` (Unix seconds) and is fit for S/MIME signing: an end-entity
    /// certificate, never a CA (CA:TRUE or keyCertSign), whatever its other extensions say.
    public func verify(_ leaf: Certificate, intermediates: [Certificate] = [], at time: Int64) -> ChainVerdict {
        if leaf.isCertificateAuthority {
            return .untrusted("it is a CA certificate (CA:TRUE or keyCertSign), not an end entity's")
        }
        guard let context = X509_STORE_CTX_new() else { return .untrusted("out of memory") }
        defer { X509_STORE_CTX_free(context) }
        guard let untrusted = shim_x509_stack_new() else { return .untrusted("out of memory") }
        defer { shim_x509_stack_free_shallow(untrusted) }
        for certificate in intermediates { _ = shim_x509_stack_push(untrusted, certificate.pointer) }
        guard X509_STORE_CTX_init(context, pointer, leaf.pointer, untrusted) == 1 else {
            return .untrusted(OpenSSLErrors.drain())
        }
        _ = X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SMIME_SIGN)
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context), time_t(time))
        if X509_verify_cert(context) == 1 { return .trusted }
        let error = X509_STORE_CTX_get_error(context)
        OpenSSLErrors.clear()
        switch error {
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            return .expired
        default:
            return .untrusted(String(cString: X509_verify_cert_error_string(Int(error))))
        }
    }
}
