public import IntakeCore

/// Signs C2SP signed notes with an Ed25519 key (the ledger key), and verifies them.
public struct Ed25519NoteSigner: NoteSigner {
    public let verifierKey: NoteVerifierKey
    let key: PrivateKey

    /// A signer named `name` (the key name in the note's signature lines).
    public init(name: String, key: PrivateKey) throws {
        self.key = key
        verifierKey = try NoteVerifierKey(name: name, ed25519PublicKey: key.rawPublicKey())
    }

    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        try Ed25519.sign(message, with: key)
    }
}

extension SignedNote {
    /// True when the note carries a valid signature by `key`.
    public func isSigned(by key: NoteVerifierKey) -> Bool {
        signatures(matching: key).contains { Ed25519.verify($0.signature, of: signedMessage, publicKey: key.publicKey) }
    }
}
