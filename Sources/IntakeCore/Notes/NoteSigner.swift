/// Something that signs C2SP signed notes (checkpoints) with one key: the ledger key.
/// The core defines the shape; the crypto shell supplies Ed25519.
public protocol NoteSigner: Sendable {
    /// The verifier key (`NAME+KEYID+BASE64`) matching this signer.
    var verifierKey: NoteVerifierKey { get }
    /// The raw signature of `message` (the note text, final newline included).
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

extension NoteSigner {
    /// Signs `text` (which must end in a newline) and returns the whole signed note.
    public func signNote(_ text: String) throws -> SignedNote {
        let signature = try sign(Array(text.utf8))
        return try SignedNote(text: text, signatures: [
            NoteSignature(name: verifierKey.name, keyID: verifierKey.keyID, signature: signature),
        ])
    }
}
