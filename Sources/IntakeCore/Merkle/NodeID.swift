/// The address of a perfect subtree of an RFC 9162 Merkle tree, as a store of nodes keys it.
///
/// The node `(level, index)` is the root of the perfect subtree over the `1 << level` leaves
/// `[index << level, (index + 1) << level)`; its hash is `MTH(D[index << level : (index + 1) << level])`
/// (RFC 9162 §2.1.1). Level 0 nodes are the leaf hashes, `(0, i)` being leaf `i`. A node at
/// level `l >= 1` has the children `(l - 1, 2 * index)` and `(l - 1, 2 * index + 1)`, so
///
///     hash(l, i) = HASH(0x01 || hash(l - 1, 2i) || hash(l - 1, 2i + 1))
///
/// because for a perfect range of `2k` leaves the RFC's split point is exactly `k`. A node
/// exists in a tree of `size` leaves once `(index + 1) << level <= size`, and never changes
/// afterwards: the log is append-only, so storing each node once when it completes is enough
/// to answer every root and proof (see ``MerkleTree``).
public struct NodeID: Hashable, Sendable, CustomStringConvertible {
    /// The height above the leaves: 0 for a leaf, `l` for a subtree of `2^l` leaves.
    public var level: Int
    /// The position among the nodes of this level, counted from the left from 0.
    public var index: Int

    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }

    /// The first leaf the node covers: `index << level`.
    public var firstLeaf: Int { index << level }

    /// The number of leaves the node covers: `1 << level`.
    public var leafCount: Int { 1 << level }

    /// One past the last leaf the node covers: `(index + 1) << level`.
    public var endLeaf: Int { (index + 1) << level }

    /// The two children of a node at level >= 1, left then right.
    public var children: (left: NodeID, right: NodeID) {
        precondition(level >= 1, "a leaf has no children")
        return (NodeID(level: level - 1, index: index * 2), NodeID(level: level - 1, index: index * 2 + 1))
    }

    public var description: String { "(\(level), \(index))" }
}
