/// One signature line of a C2SP signed note (https://c2sp.org/signed-note):
///
/// >     — <key name> base64(32-bit key ID || signature)
/// >
/// > Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B)
/// > characters.
/// >
/// > Signatures are the base64 encoding of 4+n bytes. The first four bytes in the signature
/// > are the uint32 key ID stored in big-endian order. The remaining n bytes are the result
/// > of using the specified key to sign the note text, according to the signature
/// > algorithm.
///
/// The value is only the line's syntax; whether the signature verifies is the crypto shell's
/// business.
public struct NoteSignature: Sendable, Hashable {
    /// The signer's key name.
    public let name: String
    /// The 4-byte key ID, big-endian, as carried in the signature.
    public let keyID: [UInt8]
    /// The signature proper (for Ed25519, 64 bytes), without the key ID.
    public let signature: [UInt8]

    /// Validates the parts: a valid key name (``isValidKeyName(_:)``), a 4-byte key ID and a
    /// non-empty signature.
    public init(name: String, keyID: [UInt8], signature: [UInt8]) throws(NoteError) {
        guard Self.isValidKeyName(name) else {
            throw NoteError(code: NoteError.keyName, message: "key name is empty or has a space, plus or control character")
        }
        guard keyID.count == 4 else {
            throw NoteError(code: NoteError.keyID, message: "key ID must be 4 bytes")
        }
        guard !signature.isEmpty else {
            throw NoteError(code: NoteError.signatureLength, message: "signature is empty")
        }
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The key ID as the big-endian uint32 it is.
    public var keyIDValue: UInt32 {
        keyID.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The signature line, em dash (U+2014) to final newline:
    /// `— NAME BASE64(keyID || signature)\n`.
    public var line: String {
        "\u{2014} \(name) \(Base64.encode(keyID + signature))\n"
    }

    /// A key name is valid when it is non-empty and has no Unicode white space, no plus
    /// (U+002B) and no control character.
    public static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar != "+" && !scalar.properties.isWhitespace && scalar.value >= 0x20
        }
    }
}
