/// Why an input was rejected: the stable codes of DESIGN §4.
///
/// They appear in quarantine records, on stderr, in HTTP errors and in the ledger, and never
/// change meaning once shipped. Each failure of the pipeline maps to exactly one of them.
public enum ReasonCode: String, Sendable, CaseIterable, Codable {
    /// Larger than `policy.max_envelope_bytes`.
    case tooLarge = "too-large"
    /// A symlink, FIFO, directory, device or socket where a file was expected.
    case notARegularFile = "not-a-regular-file"
    /// Not a CMS envelope in DER, PEM or S/MIME; or the decrypted content is not a SignedData.
    case malformed = "malformed"
    /// A well-formed envelope with no recipient matching the intake certificate.
    case notForUs = "not-for-us"
    /// Addressed to us, but key unwrap, content decryption or authentication failed (or
    /// AES-CBC decryption gave bytes that are not CMS, as a wrong key does).
    case decryptFailed = "decrypt-failed"
    /// DES, 3DES, RC2 or another refused algorithm; CBC or RSA PKCS#1 v1.5 when disabled.
    case weakCrypto = "weak-crypto"
    /// The inner SignedData's signature does not verify over its content.
    case badSignature = "bad-signature"
    /// The signer does not chain to a trust anchor, or is not usable for S/MIME signing.
    case untrustedSigner = "untrusted-signer"
    /// The signer's certificate (or a certificate in its chain) was not valid at receipt time.
    case certExpired = "cert-expired"
    /// A trusted signer whose certificate is pinned to no registered agency.
    case unknownSigner = "unknown-signer"
    /// The return's `agencyId` is not the agency the signer is pinned to.
    case wrongAgency = "wrong-agency"
    /// No case with the return's `caseRef`.
    case unknownCase = "unknown-case"
    /// The case is closed (the Panel has been notified).
    case caseClosed = "case-closed"
    /// The agency is not among the case's expected agencies.
    case agencyNotExpected = "agency-not-expected"
    /// The content is not a valid `scoping-return/v1` document.
    case invalidReturn = "invalid-return"
}
