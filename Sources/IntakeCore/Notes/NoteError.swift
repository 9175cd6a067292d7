/// Why a signed note, a note verifier key, a checkpoint or a tlog proof was refused.
///
/// `code` is stable (tests and callers match on it); `message` is for people and never
/// repeats the input, which may be hostile.
///
/// Codes, by format:
/// - signed note: `too-large`, `invalid-utf8`, `control-character`, `no-final-newline`,
///   `no-separator`, `no-signatures`, `too-many-signatures`, `too-many-lines`,
///   `signature-line`, `key-name`, `signature-base64`, `signature-length`;
/// - verifier key: `verifier-key`, `key-name`, `key-id`, `key-base64`, `key-type`,
///   `key-length`, `key-id-mismatch`;
/// - checkpoint: `checkpoint-lines`, `checkpoint-origin`, `tree-size`, `root-hash`,
///   `checkpoint-extension`;
/// - tlog proof: `proof-header`, `proof-extra`, `proof-index`, `proof-hash`,
///   `proof-too-long`, `proof-separator`, plus the signed-note and checkpoint codes of
///   the embedded checkpoint.
public struct NoteError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    // Signed note (c2sp.org/signed-note).
    public static let tooLarge = "too-large"
    public static let invalidUTF8 = "invalid-utf8"
    public static let controlCharacter = "control-character"
    public static let noFinalNewline = "no-final-newline"
    public static let noSeparator = "no-separator"
    public static let noSignatures = "no-signatures"
    public static let tooManySignatures = "too-many-signatures"
    public static let tooManyLines = "too-many-lines"
    public static let signatureLine = "signature-line"
    public static let keyName = "key-name"
    public static let signatureBase64 = "signature-base64"
    public static let signatureLength = "signature-length"

    // Note verifier key.
    public static let verifierKey = "verifier-key"
    public static let keyID = "key-id"
    public static let keyBase64 = "key-base64"
    public static let keyType = "key-type"
    public static let keyLength = "key-length"
    public static let keyIDMismatch = "key-id-mismatch"

    // Checkpoint (c2sp.org/tlog-checkpoint).
    public static let checkpointLines = "checkpoint-lines"
    public static let checkpointOrigin = "checkpoint-origin"
    public static let treeSize = "tree-size"
    public static let rootHash = "root-hash"
    public static let checkpointExtension = "checkpoint-extension"

    // Tlog proof (c2sp.org/tlog-proof).
    public static let proofHeader = "proof-header"
    public static let proofExtra = "proof-extra"
    public static let proofIndex = "proof-index"
    public static let proofHash = "proof-hash"
    public static let proofTooLong = "proof-too-long"
    public static let proofSeparator = "proof-separator"
}
