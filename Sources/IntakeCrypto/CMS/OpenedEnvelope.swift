public import IntakeCore

/// An envelope that decrypted and whose inner SignedData verified: the signed content (the
/// scoping return's bytes, in memory only) and the certificate that signed it.
public struct OpenedEnvelope: Sendable {
    public let encoding: EnvelopeEncoding
    public let structure: EnvelopeStructure
    /// The signed content, exactly as signed. Never written to disk.
    public let content: [UInt8]
    public let signer: Certificate
    /// SHA-256 of the signer certificate's DER, lowercase hex.
    public let signerFingerprint: String
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
