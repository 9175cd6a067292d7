/// The body of a C2SP transparency-log checkpoint (https://c2sp.org/tlog-checkpoint): the
/// text of the signed note that commits a log to its tree at one size.
///
/// > The note text is a sequence of at least three non-empty lines, separated by newlines
/// > (U+000A).
/// >
/// > 1. The first line is the **origin**, a unique identifier for the log identity which
/// >    issued the checkpoint. The origin MUST be non-empty, and it SHOULD be a schema-less
/// >    URL containing neither Unicode spaces nor plus (U+002B), such as
/// >    `example.com/log42`. [...] clients MUST NOT assume that the origin is following
/// >    this format [...].
/// > 2. The second line is the **tree size**, the ASCII decimal representation of the number
/// >    of leaves in the tree, with no leading zeroes (unless the tree is empty, in which
/// >    case the tree size is `0`).
/// > 3. The third line is the **root hash**, the base64 encoding of the root of the
/// >    [RFC 6962] Merkle hash tree at the specified tree size.
/// > 4. Any following lines are **extension lines**, opaque and OPTIONAL. Extension lines,
/// >    if any, MUST be non-empty.
///
/// For example:
///
///     example.com/behind-the-sofa
///     20852163
///     CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
///
/// Parsing is strict: the text ends in a newline (as every note text does), the root hash
/// is canonical base64 of exactly 32 bytes, the size fits in an `Int`, and no line is empty
/// or has a control character; so `format(parse(x)) == x`.
public struct Checkpoint: Sendable, Hashable {
    /// The log's identity (the first line).
    public let origin: String
    /// The number of leaves in the tree.
    public let size: Int
    /// The RFC 9162 root hash of the tree at ``size``: 32 bytes.
    public let rootHash: [UInt8]
    /// Extension lines, without their newlines; each non-empty.
    public let extensions: [String]

    public init(origin: String, size: Int, rootHash: [UInt8], extensions: [String] = []) throws(NoteError) {
        guard Self.isValidLine(origin) else {
            throw NoteError(code: NoteError.checkpointOrigin, message: "origin is empty or has a control character")
        }
        guard size >= 0 else {
            throw NoteError(code: NoteError.treeSize, message: "tree size is negative")
        }
        guard rootHash.count == MerkleHashing.hashByteCount else {
            throw NoteError(code: NoteError.rootHash, message: "root hash is not 32 bytes")
        }
        guard extensions.allSatisfy(Self.isValidLine) else {
            throw NoteError(code: NoteError.checkpointExtension, message: "extension line is empty or has a control character")
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The note text: origin, size, base64 root hash and extension lines, each ending in a
    /// newline.
    public func format() -> String {
        ([origin, String(size), Base64.encode(rootHash)] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses a checkpoint note text (a ``SignedNote/text``).
    public static func parse(_ text: String) throws(NoteError) -> Checkpoint {
        let utf8 = Array(text.utf8)
        guard utf8.last == UInt8(ascii: "\n") else {
            throw NoteError(code: NoteError.noFinalNewline, message: "checkpoint does not end in a newline")
        }
        let lines = utf8.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count >= 3 else {
            throw NoteError(code: NoteError.checkpointLines, message: "checkpoint has fewer than three lines")
        }
        guard lines.allSatisfy({ !$0.isEmpty }) else {
            throw NoteError(code: NoteError.checkpointLines, message: "checkpoint has an empty line")
        }
        guard !utf8.contains(where: { $0 < 0x20 && $0 != UInt8(ascii: "\n") }) else {
            throw NoteError(code: NoteError.controlCharacter, message: "checkpoint has a control character other than newline")
        }
        guard let size = parseDecimal(lines[1]) else {
            throw NoteError(code: NoteError.treeSize, message: "tree size is not a decimal without leading zeros that fits in 63 bits")
        }
        guard let root = Base64.decode(String(decoding: lines[2], as: UTF8.self)), root.count == MerkleHashing.hashByteCount else {
            throw NoteError(code: NoteError.rootHash, message: "root hash is not canonical base64 of 32 bytes")
        }
        return try Checkpoint(
            origin: String(decoding: lines[0], as: UTF8.self), size: size, rootHash: root,
            extensions: lines.dropFirst(3).map { String(decoding: $0, as: UTF8.self) })
    }

    /// A non-negative ASCII decimal with no leading zero (but "0"), no sign, that fits in an
    /// `Int`; nil otherwise. Shared with ``TlogProof``'s index.
    static func parseDecimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        guard digits.first != UInt8(ascii: "0") || digits.count == 1 else { return nil }
        var value = 0
        for digit in digits {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    private static func isValidLine(_ line: String) -> Bool {
        !line.isEmpty && !line.utf8.contains(where: { $0 < 0x20 })
    }
}
