/// Which algorithms an envelope may use (DESIGN §3 and the `[policy]` settings).
///
/// Content ciphers: AES-GCM always; AES-CBC while `allow_cbc` (the inner signature
/// authenticates the content); never DES, 3DES, RC2 or anything unlisted. Key transport:
/// RSA-OAEP always, RSA PKCS #1 v1.5 while `allow_rsa_pkcs1v15`, ECDH key agreement always.
/// Signature digests: SHA-2 family only. A policy returns a verdict value; it never throws.
public struct CryptoPolicy: Sendable, Equatable {
    public var allowCBC: Bool
    public var allowRSAPKCS1v15: Bool

    public init(allowCBC: Bool = true, allowRSAPKCS1v15: Bool = true) {
        self.allowCBC = allowCBC
        self.allowRSAPKCS1v15 = allowRSAPKCS1v15
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        /// Refused, with a short algorithm label for the message (never content).
        case refused(String)
    }

    public static let gcm: [String: String] = [
        "2.16.840.1.101.3.4.1.6": "AES-128-GCM",
        "2.16.840.1.101.3.4.1.26": "AES-192-GCM",
        "2.16.840.1.101.3.4.1.46": "AES-256-GCM",
    ]
    public static let cbc: [String: String] = [
        "2.16.840.1.101.3.4.1.2": "AES-128-CBC",
        "2.16.840.1.101.3.4.1.22": "AES-192-CBC",
        "2.16.840.1.101.3.4.1.42": "AES-256-CBC",
    ]
    static let knownWeak: [String: String] = [
        "1.3.14.3.2.7": "DES-CBC",
        "1.2.840.113549.3.7": "DES-EDE3-CBC",
        "1.2.840.113549.3.2": "RC2-CBC",
        "1.2.840.113549.3.4": "RC4",
    ]

    /// The verdict on an envelope's content-encryption algorithm.
    public func contentCipher(_ structure: EnvelopeStructure) -> Verdict {
        let oid = structure.contentEncryptionAlgorithm
        if Self.gcm[oid] != nil { return .allowed }
        if let name = Self.cbc[oid] {
            if structure.kind == .authEnveloped { return .refused("\(name) in AuthEnvelopedData") }
            return allowCBC ? .allowed : .refused("\(name) (allow_cbc = false)")
        }
        return .refused(Self.knownWeak[oid] ?? "content cipher \(oid)")
    }

    public enum KeyTransport: Sendable, Equatable {
        case rsaPKCS1v15, rsaOAEP, keyAgreement, other(String)
    }

    /// The verdict on how the content key was conveyed to us.
    public func keyTransport(_ transport: KeyTransport) -> Verdict {
        switch transport {
        case .rsaOAEP, .keyAgreement: .allowed
        case .rsaPKCS1v15: allowRSAPKCS1v15 ? .allowed : .refused("RSA PKCS#1 v1.5 key transport (allow_rsa_pkcs1v15 = false)")
        case .other(let name): .refused("key transport \(name)")
        }
    }

    /// The verdict on a signature's digest algorithm (its OpenSSL short name).
    public func signatureDigest(_ name: String) -> Verdict {
        ["SHA256", "SHA384", "SHA512", "SHA224", "SHA3-256", "SHA3-384", "SHA3-512"].contains(name.uppercased())
            ? .allowed : .refused("signature digest \(name)")
    }
}
