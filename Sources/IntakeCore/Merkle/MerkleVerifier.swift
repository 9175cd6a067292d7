/// Verification of RFC 9162 inclusion and consistency proofs, exactly as the RFC gives it,
/// with the edge cases the RFC leaves to the caller decided strictly.
///
/// RFC 9162 §2.1.3.2 (Verifying an Inclusion Proof):
///
/// > When a client has received an inclusion proof (e.g., in a TransItem of type
/// > inclusion_proof_v2) and wishes to verify inclusion of an input hash for a given
/// > tree_size and root_hash, the following algorithm may be used to prove the hash was
/// > included in the root_hash:
/// >
/// > 1. Compare leaf_index from the inclusion_proof_v2 structure against tree_size. If
/// >    leaf_index is greater than or equal to tree_size, then fail the proof verification.
/// > 2. Set fn to leaf_index and sn to tree_size - 1.
/// > 3. Set r to hash.
/// > 4. For each value p in the inclusion_path array:
/// >    a. If sn is 0, then stop the iteration and fail the proof verification.
/// >    b. If LSB(fn) is set, or if fn is equal to sn, then:
/// >       1. Set r to HASH(0x01 || p || r).
/// >       2. If LSB(fn) is not set, then right-shift both fn and sn equally until either
/// >          LSB(fn) is set or fn is 0.
/// >       Otherwise:
/// >       1. Set r to HASH(0x01 || r || p).
/// >    c. Finally, right-shift both fn and sn one time.
/// > 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the
/// >    root_hash are equal, then the log has proven the inclusion of hash. Otherwise, fail
/// >    the proof verification.
///
/// RFC 9162 §2.1.4.2 (Verifying Consistency between Two Tree Heads):
///
/// > When a client has first_hash for a tree of size first and second_hash for a tree of
/// > size second where 0 < first < second and has received a consistency proof
/// > consistency_path between them, the following algorithm may be used to verify it:
/// >
/// > 1. If consistency_path is an empty array, stop and fail the proof verification.
/// > 2. If first is an exact power of 2, then prepend first_hash to the consistency_path
/// >    array.
/// > 3. Set fn to first - 1 and sn to second - 1.
/// > 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
/// > 5. Set both fr and sr to the first value in the consistency_path array.
/// > 6. For each subsequent value c in the consistency_path array:
/// >    a. If sn is 0, then stop the iteration and fail the proof verification.
/// >    b. If LSB(fn) is set, or if fn is equal to sn, then:
/// >       1. Set fr to HASH(0x01 || c || fr).
/// >       2. Set sr to HASH(0x01 || c || sr).
/// >       3. If LSB(fn) is not set, then right-shift both fn and sn equally until either
/// >          LSB(fn) is set or fn is 0.
/// >       Otherwise:
/// >       1. Set sr to HASH(0x01 || sr || c).
/// >    c. Finally, right-shift both fn and sn one time.
/// > 7. After completing iterating through the consistency_path array as described above,
/// >    verify that the fr calculated is equal to the first_hash supplied, that the sr
/// >    calculated is equal to the second_hash supplied, and that sn is 0.
///
/// Decisions for what the RFC leaves open (all fail closed):
/// - every hash given (leaf hash, roots, proof elements) must be exactly 32 bytes;
/// - inclusion needs `0 <= index < size` (so never in the empty tree);
/// - consistency with `size1 == size2` holds only with an empty proof and identical roots
///   (for size 0, both must be `MTH({}) = SHA-256("")`);
/// - consistency from the empty tree (`size1 == 0 < size2`) is refused: it proves nothing,
///   and RFC 9162 defines proofs only for `0 < first`;
/// - negative sizes and `size1 > size2` fail.
public enum MerkleVerifier {
    /// The root that `proof` leads to from `leafHash` at `index` in a tree of `size` leaves
    /// (steps 1 to 4 of RFC 9162 §2.1.3.2, plus the `sn == 0` check of step 5); nil when the
    /// proof cannot belong to such a tree (index out of range, proof too short or too long,
    /// a hash of the wrong length).
    public static func rootFromInclusionProof(
        leafHash: [UInt8], index: Int, size: Int, proof: [[UInt8]]
    ) -> [UInt8]? {
        guard index >= 0, size > 0, index < size else { return nil }
        guard MerkleHashing.isHash(leafHash), proof.allSatisfy(MerkleHashing.isHash) else { return nil }
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return nil }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHashing.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHashing.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { return nil }
        return r
    }

    /// True when `proof` proves that the leaf with hash `leafHash` is at `index` in the tree
    /// of `size` leaves whose root is `root` (RFC 9162 §2.1.3.2).
    public static func verifyInclusion(
        leafHash: [UInt8], index: Int, size: Int, proof: [[UInt8]], root: [UInt8]
    ) -> Bool {
        guard MerkleHashing.isHash(root),
              let computed = rootFromInclusionProof(leafHash: leafHash, index: index, size: size, proof: proof)
        else { return false }
        return computed == root
    }

    /// True when `proof` proves that the tree of `size1` leaves with root `root1` is a prefix
    /// of the tree of `size2` leaves with root `root2` (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(
        size1: Int, size2: Int, root1: [UInt8], root2: [UInt8], proof: [[UInt8]]
    ) -> Bool {
        guard size1 >= 0, size1 <= size2 else { return false }
        guard MerkleHashing.isHash(root1), MerkleHashing.isHash(root2),
              proof.allSatisfy(MerkleHashing.isHash)
        else { return false }
        if size1 == size2 {
            guard proof.isEmpty, root1 == root2 else { return false }
            return size1 > 0 || root1 == MerkleHashing.emptyRoot
        }
        guard size1 > 0 else { return false }

        // 1.
        guard !proof.isEmpty else { return false }
        // 2.
        var path = proof
        if size1 & (size1 - 1) == 0 { path.insert(root1, at: 0) }
        // 3.
        var fn = size1 - 1, sn = size2 - 1
        // 4.
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // 5.
        var fr = path[0], sr = path[0]
        // 6.
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHashing.nodeHash(c, fr)
                sr = MerkleHashing.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHashing.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // 7.
        return fr == root1 && sr == root2 && sn == 0
    }
}
