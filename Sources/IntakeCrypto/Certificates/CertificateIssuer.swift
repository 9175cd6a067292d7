import COpenSSL

/// Makes X.509 v3 certificates (RFC 5280) with the OpenSSL library: the intake's own
/// self-signed certificates at `intake init`, and the demo's CA and agency certificates.
///
/// The profiles match `Keys/openssl.cnf`, which agencies and partnership CAs use with the
/// stock `openssl` command.
public enum CertificateIssuer {
    public enum Profile: Sendable, Equatable {
        /// A CA that issues agency signing certificates (RFC 5280 §4.2.1.9, pathLen 0).
        case agencyCA
        /// An agency's S/MIME signing certificate (RFC 8550 §4.4: emailProtection).
        case agencySigning(email: String?)
        /// The intake's decryption certificate (key transport or key agreement).
        case intakeDecryption
        /// The intake's receipt-signing certificate: S/MIME signing, verifiable by stock
        /// `openssl cms -verify -CAfile receipt.crt`.
        case receiptSigning
        /// A meeting-pack recipient's encryption certificate.
        case packRecipient(email: String?)
    }

    public struct Subject: Sendable, Equatable {
        public var commonName: String
        public var organization: String?

        public init(commonName: String, organization: String? = nil) {
            self.commonName = commonName
            self.organization = organization
        }
    }

    /// Issues a certificate for `key`'s public half, signed by `issuer` (or self-signed when
    /// `issuer` is nil), valid from `notBefore` (Unix seconds) for `days` days.
    public static func issue(
        subject: Subject, key: PrivateKey, profile: Profile,
        issuer: (certificate: Certificate, key: PrivateKey)? = nil,
        notBefore: Int64, days: Int
    ) throws(CryptoError) -> Certificate {
        OpenSSLErrors.clear()
        guard let x509 = X509_new() else { throw .openssl("out-of-memory") }
        let certificate = Certificate(owning: x509)
        guard X509_set_version(x509, 2) == 1 else { throw .openssl("x509-build") }
        try setRandomSerial(x509)
        var start = time_t(notBefore)
        guard X509_time_adj_ex(X509_getm_notBefore(x509), 0, 0, &start) != nil,
              X509_time_adj_ex(X509_getm_notAfter(x509), Int32(days), 0, &start) != nil
        else { throw .openssl("x509-time") }
        guard let name = X509_NAME_new() else { throw .openssl("out-of-memory") }
        defer { X509_NAME_free(name) }
        if let organization = subject.organization {
            guard X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, organization, -1, -1, 0) == 1 else {
                throw .openssl("x509-name")
            }
        }
        guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, subject.commonName, -1, -1, 0) == 1,
              X509_set_subject_name(x509, name) == 1,
              X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.certificate.pointer) } ?? name) == 1,
              X509_set_pubkey(x509, key.pointer) == 1
        else { throw .openssl("x509-name") }

        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.certificate.pointer ?? x509, x509, nil, nil, 0)
        for (nid, value) in extensions(for: profile, key: key) {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else { throw .openssl("x509-extension") }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw .openssl("x509-extension") }
        }
        let signer = issuer?.key ?? key
        guard X509_sign(x509, signer.pointer, signer.isEd25519 ? nil : EVP_sha256()) > 0 else {
            throw .openssl("x509-sign")
        }
        return certificate
    }

    static func extensions(for profile: Profile, key: PrivateKey) -> [(Int32, String)] {
        let identifiers: [(Int32, String)] = [
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        switch profile {
        case .agencyCA:
            return [(NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
                    (NID_key_usage, "critical,keyCertSign,cRLSign")] + identifiers
        case .agencySigning(let email):
            return [(NID_basic_constraints, "critical,CA:FALSE"),
                    (NID_key_usage, "critical,digitalSignature,nonRepudiation"),
                    (NID_ext_key_usage, "emailProtection")]
                + (email.map { [(NID_subject_alt_name, "email:\($0)")] } ?? []) + identifiers
        case .intakeDecryption, .packRecipient:
            var result: [(Int32, String)] = [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, key.isRSA ? "critical,keyEncipherment" : "critical,keyAgreement"),
                (NID_ext_key_usage, "emailProtection"),
            ]
            if case .packRecipient(let email?) = profile { result.append((NID_subject_alt_name, "email:\(email)")) }
            return result + identifiers
        case .receiptSigning:
            return [(NID_basic_constraints, "critical,CA:FALSE"),
                    (NID_key_usage, "critical,digitalSignature,nonRepudiation"),
                    (NID_ext_key_usage, "emailProtection")] + identifiers
        }
    }

    private static func setRandomSerial(_ x509: OpaquePointer) throws(CryptoError) {
        guard let bn = BN_new() else { throw .openssl("out-of-memory") }
        defer { BN_free(bn) }
        guard BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
              let serial = BN_to_ASN1_INTEGER(bn, nil)
        else { throw .openssl("x509-serial") }
        defer { ASN1_INTEGER_free(serial) }
        guard X509_set_serialNumber(x509, serial) == 1 else { throw .openssl("x509-serial") }
    }
}
