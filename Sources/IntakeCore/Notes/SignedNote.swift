/// A C2SP signed note (https://c2sp.org/signed-note): a text and the signature lines that
/// sign it, parsed and formatted strictly.
///
/// > A signed note consists of a text ending in newline (U+000A), followed by a blank line
/// > (only a newline), followed by one or more signature lines of this form: em dash
/// > (U+2014), space (U+0020), key name, space, base64-encoded signature, newline.
/// >
/// > Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control characters
/// > (those below U+0020) other than newline.
/// >
/// > The note text includes the final newline but not the separating blank line. The note
/// > text MAY contain empty lines; the text is separated from the signatures by the last
/// > empty line in the note.
/// >
/// > Verifiers SHOULD apply a maximum limit to the number of signatures in a note (or,
/// > equivalently, to the overall size of a note), but MUST accept at least up to 16
/// > signatures.
///
/// For example (the key `example.com/foo`):
///
///     This is an example message.
///
///     — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=
///
/// What is signed is the text alone, final newline included (``signedMessage``). Signing
/// and verifying (Ed25519) live in the crypto shell; this type is only the format, and
/// `format(parse(x)) == x` for every accepted `x`.
public struct SignedNote: Sendable, Hashable {
    /// Bounds on what ``parse(_:limits:)`` accepts.
    public struct Limits: Sendable, Hashable {
        /// The most bytes a whole note may have.
        public var maxBytes: Int
        /// The most signature lines (the spec requires accepting at least 16).
        public var maxSignatures: Int
        /// The most lines the text may have.
        public var maxTextLines: Int

        public init(maxBytes: Int, maxSignatures: Int, maxTextLines: Int) {
            self.maxBytes = maxBytes
            self.maxSignatures = maxSignatures
            self.maxTextLines = maxTextLines
        }

        /// 1 MiB, 100 signatures (room for 16 post-quantum ones of nearly 5 kB), 10 000 lines.
        public static let `default` = Limits(maxBytes: 1 << 20, maxSignatures: 100, maxTextLines: 10_000)
    }

    /// The note text: UTF-8, no control characters but newline, ending in a newline.
    public let text: String
    /// The signatures, in the order of their lines; at least one.
    public let signatures: [NoteSignature]

    /// Validates the text (ends in a newline, no control character but newline) and that
    /// there is at least one signature.
    public init(text: String, signatures: [NoteSignature]) throws(NoteError) {
        try Self.validateText(Array(text.utf8)[...])
        guard !signatures.isEmpty else {
            throw NoteError(code: NoteError.noSignatures, message: "a signed note needs at least one signature")
        }
        self.text = text
        self.signatures = signatures
    }

    private init(validatedText text: String, signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    /// The bytes a signature signs: the UTF-8 of ``text``, final newline included.
    public var signedMessage: [UInt8] { Array(text.utf8) }

    /// The signatures whose key name and key ID both match `key`: the only ones a verifier
    /// holding `key` may check (signatures from other keys are ignored, per the spec).
    public func signatures(matching key: NoteVerifierKey) -> [NoteSignature] {
        signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
    }

    /// The note as text: the text, a blank line, then one line per signature.
    public func format() -> String {
        text + "\n" + signatures.map(\.line).joined()
    }

    /// Parses a note from its text.
    public static func parse(_ note: String, limits: Limits = .default) throws(NoteError) -> SignedNote {
        try parse(bytes: Array(note.utf8), limits: limits)
    }

    /// Parses a note from its bytes, which must be UTF-8.
    public static func parse(bytes: [UInt8], limits: Limits = .default) throws(NoteError) -> SignedNote {
        guard bytes.count <= limits.maxBytes else {
            throw NoteError(code: NoteError.tooLarge, message: "note is larger than \(limits.maxBytes) bytes")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw NoteError(code: NoteError.invalidUTF8, message: "note is not valid UTF-8")
        }
        guard !bytes.contains(where: { $0 < 0x20 && $0 != newline }) else {
            throw NoteError(code: NoteError.controlCharacter, message: "note has a control character other than newline")
        }
        guard bytes.last == newline else {
            throw NoteError(code: NoteError.noFinalNewline, message: "note does not end in a newline")
        }
        // The text ends at the last blank line: the last "\n\n".
        var separator: Int? = nil
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == newline && bytes[index + 1] == newline {
                separator = index
                break
            }
            index -= 1
        }
        guard let separator else {
            throw NoteError(code: NoteError.noSeparator, message: "note has no blank line before its signatures")
        }
        let textBytes = bytes[..<(separator + 1)]
        let block = bytes[(separator + 2)...]
        guard !block.isEmpty else {
            throw NoteError(code: NoteError.noSignatures, message: "note has no signature lines")
        }
        let textLines = textBytes.count(where: { $0 == newline })
        guard textLines <= limits.maxTextLines else {
            throw NoteError(code: NoteError.tooManyLines, message: "note text has more than \(limits.maxTextLines) lines")
        }
        // `block` ends in a newline and, after the last "\n\n", has no empty line.
        let lines = block.dropLast().split(separator: newline, omittingEmptySubsequences: false)
        guard lines.count <= limits.maxSignatures else {
            throw NoteError(code: NoteError.tooManySignatures, message: "note has more than \(limits.maxSignatures) signatures")
        }
        var signatures: [NoteSignature] = []
        signatures.reserveCapacity(lines.count)
        for line in lines {
            signatures.append(try parseSignatureLine(line))
        }
        return SignedNote(validatedText: String(decoding: textBytes, as: UTF8.self), signatures: signatures)
    }

    // MARK: Internals

    private static let newline = UInt8(ascii: "\n")
    /// U+2014 EM DASH then U+0020 SPACE, in UTF-8.
    private static let signaturePrefix: [UInt8] = [0xE2, 0x80, 0x94, 0x20]

    private static func parseSignatureLine(_ line: ArraySlice<UInt8>) throws(NoteError) -> NoteSignature {
        guard line.starts(with: signaturePrefix) else {
            throw NoteError(code: NoteError.signatureLine, message: "signature line does not start with an em dash and a space")
        }
        let rest = line.dropFirst(signaturePrefix.count)
        guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else {
            throw NoteError(code: NoteError.signatureLine, message: "signature line has no space between key name and signature")
        }
        let name = String(decoding: rest[..<space], as: UTF8.self)
        guard NoteSignature.isValidKeyName(name) else {
            throw NoteError(code: NoteError.keyName, message: "signature key name is empty or has a space or plus")
        }
        guard let decoded = Base64.decode(String(decoding: rest[(space + 1)...], as: UTF8.self)) else {
            throw NoteError(code: NoteError.signatureBase64, message: "signature is not canonical base64")
        }
        guard decoded.count > 4 else {
            throw NoteError(code: NoteError.signatureLength, message: "signature is shorter than a key ID and one byte")
        }
        return try NoteSignature(name: name, keyID: Array(decoded[..<4]), signature: Array(decoded[4...]))
    }

    /// Checks a note text: ends in a newline and has no control character but newline.
    static func validateText(_ text: ArraySlice<UInt8>) throws(NoteError) {
        guard text.last == newline else {
            throw NoteError(code: NoteError.noFinalNewline, message: "note text does not end in a newline")
        }
        guard !text.contains(where: { $0 < 0x20 && $0 != newline }) else {
            throw NoteError(code: NoteError.controlCharacter, message: "note text has a control character other than newline")
        }
    }
}
