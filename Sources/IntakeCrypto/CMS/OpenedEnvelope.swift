public import IntakeCore

/// An envelope that decrypted and whose inner SignedData verified: the signed content (the
/// scoping return's bytes, in memory only) and the certificate that signed it.
///
/// `Content` is what the caller made of the signed bytes while they were in OpenSSL's
/// buffer (by default a copy of them): large returns need not be copied to be hashed and read.
public struct OpenedEnvelope<Content: Sendable>: Sendable {
    public let encoding: EnvelopeEncoding
    public let structure: EnvelopeStructure
    /// The signed content (or what the caller made of it), exactly as signed. Never written to disk.
    public let content: Content
    public let signer: Certificate
    /// SHA-256 of the signer certificate's DER, lowercase hex.
    public let signerFingerprint: String
    /// The RFC 2634 signed receipt the signer asked for (DER), if it asked and the opener has
    /// a receipt key. Given to the agency only if the submission is accepted.
    public let signedReceipt: [UInt8]?
    /// The signer's signingTime attribute (RFC 5652 §11.3), Unix seconds, when it has one:
    /// when the agency says it signed, which orders an agency's versions of a return.
    public let signingTime: Int64?
}

/// Why an envelope could not be opened: a reason code and a one-line message naming only
/// structures and algorithms, never content.
public struct EnvelopeRejection: Error, Sendable, Equatable {
    public let reason: ReasonCode
    public let message: String

    public init(_ reason: ReasonCode, _ message: String) {
        self.reason = reason
        self.message = message
    }
}
