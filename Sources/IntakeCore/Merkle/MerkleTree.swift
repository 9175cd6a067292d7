/// The arithmetic of an RFC 9162 Merkle tree kept as a store of perfect subtrees.
///
/// RFC 9162 §2.1.1 defines the Merkle Tree Hash of an ordered list of n entries:
///
/// >     MTH({}) = HASH()
/// >     MTH({d[0]}) = HASH(0x00 || d[0])
/// >     MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
/// >
/// > where k is the largest power of two smaller than n (i.e., k < n <= 2k).
///
/// Unrolling the recursion, the left part `D[0:k]` is always a perfect subtree, and so is the
/// left part of every right part in turn: the tree of `n` leaves is the list of maximal
/// perfect subtrees that the binary digits of `n` describe (for 7 = 4 + 2 + 1: leaves
/// [0,4), [4,6), [6,7)), and its hash folds their hashes from the right:
/// `MTH(D_7) = HASH(0x01 || h[0,4) || HASH(0x01 || h[4,6) || h[6,7)))`.
///
/// A log therefore stores each perfect subtree's hash (a ``NodeID``) once, when its last leaf
/// arrives (``nodesCompleted(byAppendingLeafAt:)``), and answers any root or proof with
/// O(log n) reads of stored nodes. The functions here are pure; reading is the caller's
/// `node` closure.
public enum MerkleTree {
    // MARK: Appending

    /// The perfect nodes of level >= 1 that become complete when leaf `n` (0-based) is
    /// appended, bottom-up, so that each can be computed from its two children (both already
    /// stored, or computed earlier in this list).
    ///
    /// Appending leaf `n` completes node `(l, n >> l)` exactly when `2^l` divides `n + 1`;
    /// there are `trailingZeroBitCount(n + 1)` of them, at most log2(n + 1).
    public static func nodesCompleted(byAppendingLeafAt n: Int) -> [NodeID] {
        precondition(n >= 0 && n < Int.max, "leaf index out of range")
        let levels = (n + 1).trailingZeroBitCount
        guard levels > 0 else { return [] }
        return (1...levels).map { NodeID(level: $0, index: n >> $0) }
    }

    // MARK: Roots

    /// The decomposition of the leaves `[0, size)` into maximal perfect subtrees, left to
    /// right: one node per set bit of `size`, largest first. Empty for size 0.
    public static func perfectSubtrees(ofSize size: Int) -> [NodeID] {
        precondition(size >= 0, "negative tree size")
        return perfectSubtrees(from: 0, count: size)
    }

    /// The decomposition of the leaves `[start, start + count)` into perfect subtrees, left
    /// to right, when `start` is a multiple of the smallest power of two >= `count` (which
    /// holds for every subtree the RFC 9162 recursion visits).
    static func perfectSubtrees(from start: Int, count: Int) -> [NodeID] {
        var nodes: [NodeID] = []
        var position = start
        var level = Int.bitWidth - 1
        while level >= 0 {
            if count & (1 << level) != 0 {
                nodes.append(NodeID(level: level, index: position >> level))
                position += 1 << level
            }
            level -= 1
        }
        return nodes
    }

    /// The hash of the subtree whose perfect subtrees, left to right, have `hashes`:
    /// `HASH(0x01 || h0 || HASH(0x01 || h1 || ... ))`, folded from the right. A single hash
    /// is returned as it is; no hashes give `MTH({})`.
    public static func fold(_ hashes: [[UInt8]]) -> [UInt8] {
        guard var accumulator = hashes.last else { return MerkleHashing.emptyRoot }
        for hash in hashes.dropLast().reversed() {
            accumulator = MerkleHashing.nodeHash(hash, accumulator)
        }
        return accumulator
    }

    /// `MTH(D[0:size])` from stored perfect nodes: reads the `popcount(size)` nodes of
    /// ``perfectSubtrees(ofSize:)`` and folds them right to left. `MTH({})` for size 0.
    public static func root(size: Int, node: (NodeID) throws -> [UInt8]) rethrows -> [UInt8] {
        try fold(perfectSubtrees(ofSize: size).map(node))
    }

    /// `MTH(D)` for a list of leaf hashes, straight from the RFC 9162 §2.1.1 recursion
    /// (O(n) hashes): for tests and small trees.
    public static func root(leafHashes: [[UInt8]]) -> [UInt8] {
        root(leafHashes[...])
    }

    static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return MerkleHashing.emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = largestPowerOfTwo(below: leaves.count)
            let split = leaves.startIndex + k
            return MerkleHashing.nodeHash(root(leaves[..<split]), root(leaves[split...]))
        }
    }

    /// The largest power of two strictly smaller than `n`, for `n >= 2` (the RFC's `k`).
    static func largestPowerOfTwo(below n: Int) -> Int {
        precondition(n >= 2)
        return 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }

    // MARK: Proofs from the definition

    /// `PATH(m, D_n)` computed straight from RFC 9162 §2.1.3.1 over all the leaf hashes
    /// (O(n) hashes): the reference the stored-node version is tested against.
    ///
    /// >     PATH(0, {d[0]}) = {}
    /// >     PATH(m, D_n) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k; and
    /// >     PATH(m, D_n) = PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k,
    public static func inclusionProof(index m: Int, leafHashes: [[UInt8]]) -> [[UInt8]] {
        precondition(m >= 0 && m < leafHashes.count, "leaf index out of range")
        return path(m, leafHashes[...])
    }

    static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let k = largestPowerOfTwo(below: leaves.count)
        let split = leaves.startIndex + k
        if m < k {
            return path(m, leaves[..<split]) + [root(leaves[split...])]
        } else {
            return path(m - k, leaves[split...]) + [root(leaves[..<split])]
        }
    }

    /// `PROOF(m, D_n)` computed straight from RFC 9162 §2.1.4.1 over all the leaf hashes
    /// (O(n) hashes): the reference the stored-node version is tested against. Empty when
    /// `m` is 0 or `n` (the RFC defines the proof for 0 < m < n only).
    ///
    /// >     PROOF(m, D_n) = SUBPROOF(m, D_n, true)
    /// >     SUBPROOF(m, D[m], true) = {}
    /// >     SUBPROOF(m, D[m], false) = {MTH(D[m])}
    /// >     SUBPROOF(m, D_n, b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) for m <= k; and
    /// >     SUBPROOF(m, D_n, b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) for m > k,
    public static func consistencyProof(from m: Int, leafHashes: [[UInt8]]) -> [[UInt8]] {
        precondition(m >= 0 && m <= leafHashes.count, "old size out of range")
        guard m > 0 else { return [] }
        return subproof(m, leafHashes[...], true)
    }

    static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        if m == leaves.count { return b ? [] : [root(leaves)] }
        let k = largestPowerOfTwo(below: leaves.count)
        let split = leaves.startIndex + k
        if m <= k {
            return subproof(m, leaves[..<split], b) + [root(leaves[split...])]
        } else {
            return subproof(m - k, leaves[split...], false) + [root(leaves[..<split])]
        }
    }
}
