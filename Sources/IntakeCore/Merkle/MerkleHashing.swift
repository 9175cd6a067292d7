/// The hash functions of an RFC 9162 Merkle tree, with SHA-256 as the tree's hash.
///
/// RFC 9162 §2.1.1:
///
/// > The hash of an empty list is the hash of an empty string:
/// >
/// >     MTH({}) = HASH().
/// >
/// > The hash of a list with one entry (also known as a leaf hash) is:
/// >
/// >     MTH({d[0]}) = HASH(0x00 || d[0]).
/// >
/// > For n > 1, let k be the largest power of two smaller than n (i.e., k < n <= 2k). The
/// > Merkle Tree Hash of an n-element list D_n is then defined recursively as:
/// >
/// >     MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])),
///
/// The 0x00 and 0x01 prefixes keep leaves and interior nodes apart (second-preimage
/// resistance, RFC 9162 §2.1.1: "This domain separation is required to give second preimage
/// resistance").
public enum MerkleHashing {
    /// Every hash in the tree is a SHA-256 digest of this many bytes.
    public static let hashByteCount = SHA256.byteCount

    /// `MTH({})` = SHA-256 of the empty string:
    /// e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.
    public static let emptyRoot: [UInt8] = SHA256.hash([])

    /// `MTH({d})` = SHA-256(0x00 || d): the hash of one leaf holding `entry`.
    public static func leafHash(_ entry: [UInt8]) -> [UInt8] {
        SHA256.hash(parts: [[0x00], entry])
    }

    /// SHA-256(0x01 || left || right): the hash of an interior node from its children.
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        SHA256.hash(parts: [[0x01], left, right])
    }

    /// True when `hash` has the length of a SHA-256 digest; anything else is never a tree hash.
    public static func isHash(_ hash: [UInt8]) -> Bool {
        hash.count == hashByteCount
    }
}
