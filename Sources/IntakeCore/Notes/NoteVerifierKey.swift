/// A note verifier key in the text form of golang.org/x/mod/sumdb/note and C2SP
/// (https://c2sp.org/signed-note): `NAME+KEYID+BASE64(TYPE || KEY)`, e.g.
///
///     example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k
///
/// where KEYID is 8 lowercase hex digits. From the spec:
///
/// > It is RECOMMENDED that key IDs be the first four bytes (interpreted in big-endian
/// > order) of the SHA-256 hash of the following sequence: the key name, a newline, a single
/// > signature type identifier byte assigned below, and the encoding of the public key.
/// >
/// >     key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]
/// >
/// > `0x01` — Ed25519 signatures as specified by this document.
/// >
/// > The key ID is generated as recommended above, with the public key encoded as 32 bytes
/// > according to RFC 8032 and signature type identifier byte `0x01`.
///
/// Only Ed25519 (type 0x01, a 32-byte key) is accepted, and the key ID must be the one
/// computed from name and key: a key whose ID does not match is refused rather than trusted.
public struct NoteVerifierKey: Sendable, Hashable {
    /// The signature type byte of Ed25519 note signatures.
    public static let ed25519: UInt8 = 0x01
    /// The length of an Ed25519 public key (RFC 8032).
    public static let ed25519KeyByteCount = 32

    /// The key name, as it appears in signature lines.
    public let name: String
    /// The 4-byte key ID (``keyID(name:type:publicKey:)``).
    public let keyID: [UInt8]
    /// The signature type byte: always ``ed25519`` here.
    public let type: UInt8
    /// The raw public key: 32 bytes of Ed25519.
    public let publicKey: [UInt8]

    /// The verifier key of the Ed25519 `publicKey` named `name`; computes the key ID.
    public init(name: String, ed25519PublicKey publicKey: [UInt8]) throws(NoteError) {
        guard NoteSignature.isValidKeyName(name) else {
            throw NoteError(code: NoteError.keyName, message: "key name is empty or has a space, plus or control character")
        }
        guard publicKey.count == Self.ed25519KeyByteCount else {
            throw NoteError(code: NoteError.keyLength, message: "an Ed25519 public key is 32 bytes")
        }
        self.name = name
        self.type = Self.ed25519
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, type: Self.ed25519, publicKey: publicKey)
    }

    /// `SHA-256(name || 0x0A || type || publicKey)[:4]`.
    public static func keyID(name: String, type: UInt8, publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(parts: [Array(name.utf8), [0x0A, type], publicKey]).prefix(4))
    }

    /// True when `signature` claims this key: same key name and same key ID.
    public func matches(_ signature: NoteSignature) -> Bool {
        signature.name == name && signature.keyID == keyID
    }

    /// `NAME+KEYID+BASE64(TYPE || KEY)`, KEYID in 8 lowercase hex digits.
    public func format() -> String {
        "\(name)+\(Hex.encode(keyID))+\(Base64.encode([type] + publicKey))"
    }

    /// Parses `NAME+KEYID+BASE64(TYPE || KEY)` strictly: no surrounding white space, KEYID
    /// exactly 8 lowercase hex digits, canonical base64, type 0x01 with a 32-byte key, and
    /// KEYID equal to the ID computed from name and key.
    public static func parse(_ text: String) throws(NoteError) -> NoteVerifierKey {
        // The name has no '+', and neither has the hex: the first two '+' split the fields
        // (base64 may contain '+').
        let utf8 = Array(text.utf8)
        guard let firstPlus = utf8.firstIndex(of: UInt8(ascii: "+")),
              let secondPlus = utf8[(firstPlus + 1)...].firstIndex(of: UInt8(ascii: "+"))
        else {
            throw NoteError(code: NoteError.verifierKey, message: "verifier key is not NAME+KEYID+KEY")
        }
        let name = String(decoding: utf8[..<firstPlus], as: UTF8.self)
        guard NoteSignature.isValidKeyName(name) else {
            throw NoteError(code: NoteError.keyName, message: "key name is empty or has a space, plus or control character")
        }
        let hex = utf8[(firstPlus + 1)..<secondPlus]
        guard hex.count == 8,
              hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let keyID = Hex.decode(String(decoding: hex, as: UTF8.self))
        else {
            throw NoteError(code: NoteError.keyID, message: "key ID is not 8 lowercase hex digits")
        }
        guard let typed = Base64.decode(String(decoding: utf8[(secondPlus + 1)...], as: UTF8.self)),
              let type = typed.first
        else {
            throw NoteError(code: NoteError.keyBase64, message: "key is not canonical, non-empty base64")
        }
        guard type == ed25519 else {
            throw NoteError(code: NoteError.keyType, message: "only Ed25519 (type 0x01) verifier keys are supported")
        }
        let key = try NoteVerifierKey(name: name, ed25519PublicKey: Array(typed.dropFirst()))
        guard key.keyID == keyID else {
            throw NoteError(code: NoteError.keyIDMismatch, message: "key ID does not match the key name and public key")
        }
        return key
    }
}
