/// A C2SP transparency-log proof (https://c2sp.org/tlog-proof): an offline-verifiable proof
/// that an entry is in a log, made of an inclusion proof and the signed checkpoint it leads to.
///
/// > The proof is a sequence of lines separated by newlines (U+000A).
/// >
/// > The first line MUST be the string `c2sp.org/tlog-proof@v1`.
/// >
/// > The second line MAY start with the string `extra` followed by a space (U+0020) and
/// > base64-encoded opaque extra data. If no extra data is present, this line is omitted.
/// > Applications MUST NOT implicitly trust the extra data, as it is not authenticated.
/// >
/// > The next line MUST start with the string `index` followed by a space (U+0020) and the
/// > zero-based index of the entry in the log, represented as an ASCII decimal with no
/// > leading zeroes (unless the index is `0`).
/// >
/// > The next zero or more non-empty lines are the base64-encoded Merkle inclusion proof for
/// > the entry at the specified index in the checkpointed tree, one SHA-256 hash per line,
/// > starting from the leaf's sibling hash up to the root's child hash.
/// >
/// > After the inclusion proof lines and an empty line, the checkpoint issued by the log is
/// > included verbatim, according to [tlog-checkpoint].
///
/// For example:
///
///     c2sp.org/tlog-proof@v1
///     extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6
///     index 73894
///     gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
///     B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
///
///     example.com/fancylog
///     109482
///     sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=
///
///     — example.com/fancylog hI2DJw[...]1roloI=
///
/// Parsing is strict (canonical base64, 32-byte hashes, at most 63 of them, a well-formed
/// signed note whose text is a well-formed checkpoint), so `format(parse(x)) == x`. Whether
/// the proof verifies (``MerkleVerifier``) and the note's signatures are valid is checked by
/// the caller.
public struct TlogProof: Sendable, Hashable {
    /// The first line.
    public static let header = "c2sp.org/tlog-proof@v1"
    /// The most hashes an inclusion proof can have in a tree of fewer than 2^63 leaves.
    public static let maxProofHashes = 63

    /// Opaque, unauthenticated extra data; nil when the `extra` line is absent.
    public let extra: [UInt8]?
    /// The entry's zero-based index in the log.
    public let index: Int
    /// The RFC 9162 inclusion path, leaf's sibling first: 32-byte hashes.
    public let inclusionProof: [[UInt8]]
    /// The signed checkpoint note, verbatim.
    public let note: SignedNote
    /// The checkpoint that ``note``'s text holds.
    public let checkpoint: Checkpoint

    /// Validates the parts and parses the checkpoint out of `note`.
    public init(extra: [UInt8]?, index: Int, inclusionProof: [[UInt8]], note: SignedNote) throws(NoteError) {
        guard index >= 0 else {
            throw NoteError(code: NoteError.proofIndex, message: "index is negative")
        }
        guard inclusionProof.count <= Self.maxProofHashes else {
            throw NoteError(code: NoteError.proofTooLong, message: "inclusion proof has more than \(Self.maxProofHashes) hashes")
        }
        guard inclusionProof.allSatisfy(MerkleHashing.isHash) else {
            throw NoteError(code: NoteError.proofHash, message: "inclusion proof hash is not 32 bytes")
        }
        self.extra = extra
        self.index = index
        self.inclusionProof = inclusionProof
        self.note = note
        self.checkpoint = try Checkpoint.parse(note.text)
    }

    /// The proof as text: header, optional `extra` line, `index` line, one base64 hash per
    /// line, a blank line, then the checkpoint note.
    public func format() -> String {
        var out = Self.header + "\n"
        if let extra { out += "extra " + Base64.encode(extra) + "\n" }
        out += "index \(index)\n"
        for hash in inclusionProof { out += Base64.encode(hash) + "\n" }
        return out + "\n" + note.format()
    }

    /// Parses a proof from its text; `limits` bound the whole input and the embedded note.
    public static func parse(_ text: String, limits: SignedNote.Limits = .default) throws(NoteError) -> TlogProof {
        try parse(bytes: Array(text.utf8), limits: limits)
    }

    /// Parses a proof from its bytes, which must be UTF-8.
    public static func parse(bytes: [UInt8], limits: SignedNote.Limits = .default) throws(NoteError) -> TlogProof {
        guard bytes.count <= limits.maxBytes else {
            throw NoteError(code: NoteError.tooLarge, message: "proof is larger than \(limits.maxBytes) bytes")
        }
        var position = 0
        /// The next line without its newline, or nil at the end or before an unterminated line.
        func nextLine() -> ArraySlice<UInt8>? {
            guard let end = bytes[position...].firstIndex(of: newline) else { return nil }
            defer { position = end + 1 }
            return bytes[position..<end]
        }
        guard let first = nextLine(), first.elementsEqual(header.utf8) else {
            throw NoteError(code: NoteError.proofHeader, message: "proof does not start with the line \(header)")
        }
        guard var line = nextLine() else {
            throw NoteError(code: NoteError.proofIndex, message: "proof has no index line")
        }
        var extra: [UInt8]? = nil
        if line.starts(with: extraPrefix) {
            guard let decoded = Base64.decode(String(decoding: line.dropFirst(extraPrefix.count), as: UTF8.self)) else {
                throw NoteError(code: NoteError.proofExtra, message: "extra data is not canonical base64")
            }
            extra = decoded
            guard let next = nextLine() else {
                throw NoteError(code: NoteError.proofIndex, message: "proof has no index line")
            }
            line = next
        }
        guard line.starts(with: indexPrefix), let index = Checkpoint.parseDecimal(line.dropFirst(indexPrefix.count)) else {
            throw NoteError(code: NoteError.proofIndex, message: "index line is not \"index\", a space and a decimal without leading zeros")
        }
        var hashes: [[UInt8]] = []
        while true {
            guard let hashLine = nextLine() else {
                throw NoteError(code: NoteError.proofSeparator, message: "proof has no blank line before its checkpoint")
            }
            if hashLine.isEmpty { break }
            guard hashes.count < maxProofHashes else {
                throw NoteError(code: NoteError.proofTooLong, message: "inclusion proof has more than \(maxProofHashes) hashes")
            }
            guard let hash = Base64.decode(String(decoding: hashLine, as: UTF8.self)), MerkleHashing.isHash(hash) else {
                throw NoteError(code: NoteError.proofHash, message: "inclusion proof line is not canonical base64 of 32 bytes")
            }
            hashes.append(hash)
        }
        let note = try SignedNote.parse(bytes: Array(bytes[position...]), limits: limits)
        return try TlogProof(extra: extra, index: index, inclusionProof: hashes, note: note)
    }

    private static let newline = UInt8(ascii: "\n")
    private static let extraPrefix = Array("extra ".utf8)
    private static let indexPrefix = Array("index ".utf8)
}
