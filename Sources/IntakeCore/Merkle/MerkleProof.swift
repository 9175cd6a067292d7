/// Inclusion and consistency proofs of RFC 9162, generated from a store of perfect nodes.
///
/// RFC 9162 §2.1.3.1 (Generating an Inclusion Proof):
///
/// > Given an ordered list of n inputs to the tree, D_n = {d[0], d[1], ..., d[n-1]}, the
/// > Merkle inclusion proof PATH(m, D_n) for the (m+1)th input d[m], 0 <= m < n, is defined
/// > as follows:
/// >
/// > The proof for the single leaf in a tree with a one-element input list D[1] = {d[0]} is
/// > empty:
/// >
/// >     PATH(0, {d[0]}) = {}
/// >
/// > For n > 1, let k be the largest power of two smaller than n. The proof for the (m+1)th
/// > element d[m] in a list of n > m elements is then defined recursively as:
/// >
/// >     PATH(m, D_n) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k; and
/// >     PATH(m, D_n) = PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k,
/// >
/// > where : is concatenation of lists, and D[k1:k2] denotes the length (k2 - k1) list.
///
/// RFC 9162 §2.1.4.1 (Generating a Consistency Proof):
///
/// > Given an ordered list of n inputs to the tree, D_n = {d[0], d[1], ..., d[n-1]}, the
/// > Merkle consistency proof PROOF(m, D_n) for a previous Merkle Tree Hash MTH(D[0:m]),
/// > 0 < m < n, is defined as:
/// >
/// >     PROOF(m, D_n) = SUBPROOF(m, D_n, true)
/// >
/// > In SUBPROOF, the boolean value represents whether the subtree created from D[0:m] is a
/// > complete subtree of the Merkle Tree created from D_n, and, consequently, whether the
/// > subtree Merkle Tree Hash MTH(D[0:m]) is known. The initial call to SUBPROOF sets this to
/// > be true, and SUBPROOF is then defined as follows:
/// >
/// > The subproof for m = n is empty if m is the value for which PROOF was originally
/// > requested (meaning that the subtree created from D[0:m] is a complete subtree of the
/// > Merkle Tree created from the original D_n for which PROOF was requested, and the
/// > subtree Merkle Tree Hash MTH(D[0:m]) is known):
/// >
/// >     SUBPROOF(m, D[m], true) = {}
/// >
/// > Otherwise, the subproof for m = n is the Merkle Tree Hash committing inputs D[0:m]:
/// >
/// >     SUBPROOF(m, D[m], false) = {MTH(D[m])}
/// >
/// > For m < n, let k be the largest power of two smaller than n. The subproof is then
/// > defined recursively, using the appropriate step below:
/// >
/// > If m <= k, the right subtree entries D[k:n] only exist in the current tree. We prove
/// > that the left subtree entries D[0:k] are consistent and add a commitment to D[k:n]:
/// >
/// >     SUBPROOF(m, D_n, b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
/// >
/// > If m > k, the left subtree entries D[0:k] are identical in both trees. We prove that the
/// > right subtree entries D[k:n] are consistent and add a commitment to D[0:k]:
/// >
/// >     SUBPROOF(m, D_n, b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
///
/// Each proof element is the hash of a subtree the recursion visits. Every such subtree is
/// either perfect (one stored node) or lies on the right border of the tree, where it is the
/// fold of its perfect subtrees (``MerkleTree/fold(_:)``). Walking the recursion top-down,
/// a border subtree occurs at most once per proof (after it the remaining ranges are powers
/// of two), so a proof reads at most about `2 * log2(n)` nodes.
public enum MerkleProof {
    // MARK: Which nodes

    /// For each element of `PATH(index, D[0:size])`, in proof order (the leaf's sibling
    /// first), the perfect nodes whose fold (``MerkleTree/fold(_:)``) is that element.
    /// Batch-read them, then fold each list.
    ///
    /// Precondition: `0 <= index < size`.
    public static func inclusionProofNodes(index: Int, size: Int) -> [[NodeID]] {
        precondition(index >= 0 && index < size, "leaf index out of range")
        var elements: [[NodeID]] = []  // top-down, reversed at the end
        var start = 0, count = size, m = index
        while count > 1 {
            let k = MerkleTree.largestPowerOfTwo(below: count)
            if m < k {
                elements.append(MerkleTree.perfectSubtrees(from: start + k, count: count - k))
                count = k
            } else {
                elements.append(MerkleTree.perfectSubtrees(from: start, count: k))
                start += k
                m -= k
                count -= k
            }
        }
        return elements.reversed()
    }

    /// For each element of `PROOF(from, D[0:to])`, in proof order, the perfect nodes whose
    /// fold is that element. Empty when `from` is 0 or equals `to`.
    ///
    /// Precondition: `0 <= from <= to`.
    public static func consistencyProofNodes(from oldSize: Int, to newSize: Int) -> [[NodeID]] {
        precondition(oldSize >= 0 && oldSize <= newSize, "sizes out of range")
        guard oldSize > 0, oldSize < newSize else { return [] }
        var elements: [[NodeID]] = []  // top-down, reversed at the end
        var start = 0, count = newSize, m = oldSize, known = true
        while m < count {
            let k = MerkleTree.largestPowerOfTwo(below: count)
            if m <= k {
                elements.append(MerkleTree.perfectSubtrees(from: start + k, count: count - k))
                count = k
            } else {
                elements.append(MerkleTree.perfectSubtrees(from: start, count: k))
                start += k
                m -= k
                count -= k
                known = false
            }
        }
        if !known {
            elements.append(MerkleTree.perfectSubtrees(from: start, count: count))
        }
        return elements.reversed()
    }

    // MARK: Hashes

    /// `PATH(index, D[0:size])` from stored perfect nodes, leaf's sibling first.
    ///
    /// Precondition: `0 <= index < size`.
    public static func inclusionProof(
        index: Int, size: Int, node: (NodeID) throws -> [UInt8]
    ) rethrows -> [[UInt8]] {
        try inclusionProofNodes(index: index, size: size).map { try MerkleTree.fold($0.map(node)) }
    }

    /// `PROOF(from, D[0:to])` from stored perfect nodes. Empty when `from` is 0 or `to`.
    ///
    /// Precondition: `0 <= from <= to`.
    public static func consistencyProof(
        from oldSize: Int, to newSize: Int, node: (NodeID) throws -> [UInt8]
    ) rethrows -> [[UInt8]] {
        try consistencyProofNodes(from: oldSize, to: newSize).map { try MerkleTree.fold($0.map(node)) }
    }
}
