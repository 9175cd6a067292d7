import Foundation
import Testing
@testable import IntakeCore

// MARK: - Shared fixtures

/// The eight leaf inputs behind the transparency-dev vectors (and RFC 6962's examples).
private let leafInputs: [[UInt8]] = [
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
].map { Hex.decode($0)! }
private let leafHashes = leafInputs.map(MerkleHashing.leafHash)

/// A store of perfect nodes filled the way a ledger fills it: on each append, the leaf hash
/// at level 0 and then ``MerkleTree/nodesCompleted(byAppendingLeafAt:)`` from their children.
/// Counts reads and records any read of a node that was never stored.
private final class NodeStore {
    var nodes: [NodeID: [UInt8]] = [:]
    var size = 0
    var reads = 0
    var missing: [NodeID] = []

    init(leaves: [[UInt8]] = []) {
        for leaf in leaves { append(leaf) }
    }

    func append(_ leafHash: [UInt8]) {
        nodes[NodeID(level: 0, index: size)] = leafHash
        for id in MerkleTree.nodesCompleted(byAppendingLeafAt: size) {
            let (left, right) = id.children
            nodes[id] = MerkleHashing.nodeHash(nodes[left]!, nodes[right]!)
        }
        size += 1
    }

    func node(_ id: NodeID) -> [UInt8] {
        reads += 1
        guard let hash = nodes[id] else {
            missing.append(id)
            return []
        }
        return hash
    }
}

private func ceilLog2(_ n: Int) -> Int { n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount }
private func readBound(_ n: Int) -> Int { 2 * ceilLog2(n) + 2 }

/// Deterministic distinct leaf hashes for the property tests.
private func syntheticLeaves(_ count: Int) -> [[UInt8]] {
    (0..<count).map { MerkleHashing.leafHash(Array("leaf \($0)".utf8)) }
}

// MARK: - Hashing, addressing, roots

@Suite struct MerkleTreeTests {
    @Test func hashingKnownAnswers() {
        #expect(Hex.encode(MerkleHashing.emptyRoot) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // RFC 6962 test data: the leaf hash of the empty entry is SHA-256(0x00).
        #expect(Hex.encode(MerkleHashing.leafHash([])) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        #expect(MerkleHashing.nodeHash([1], [2]) == SHA256.hash([0x01, 1, 2]))
        #expect(MerkleHashing.leafHash([7, 8]) == SHA256.hash([0x00, 7, 8]))
    }

    @Test func eightLeafRoot() {
        let expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        #expect(Hex.encode(MerkleTree.root(leafHashes: leafHashes)) == expected)
        let store = NodeStore(leaves: leafHashes)
        #expect(Hex.encode(MerkleTree.root(size: 8, node: store.node)) == expected)
        #expect(store.reads == 1)  // the single perfect node (3, 0)
    }

    @Test func rootsOfSmallTrees() {
        #expect(MerkleTree.root(leafHashes: []) == MerkleHashing.emptyRoot)
        #expect(MerkleTree.root(size: 0, node: { _ in Issue.record("no read expected"); return [] }) == MerkleHashing.emptyRoot)
        #expect(MerkleTree.root(leafHashes: [leafHashes[0]]) == leafHashes[0])
        let l = leafHashes
        let three = MerkleHashing.nodeHash(MerkleHashing.nodeHash(l[0], l[1]), l[2])
        #expect(MerkleTree.root(leafHashes: Array(l[0..<3])) == three)
    }

    @Test func nodesCompletedKnownAnswers() {
        func ids(_ pairs: [(Int, Int)]) -> [NodeID] { pairs.map { NodeID(level: $0.0, index: $0.1) } }
        #expect(MerkleTree.nodesCompleted(byAppendingLeafAt: 0) == [])
        #expect(MerkleTree.nodesCompleted(byAppendingLeafAt: 1) == ids([(1, 0)]))
        #expect(MerkleTree.nodesCompleted(byAppendingLeafAt: 2) == [])
        #expect(MerkleTree.nodesCompleted(byAppendingLeafAt: 3) == ids([(1, 1), (2, 0)]))
        #expect(MerkleTree.nodesCompleted(byAppendingLeafAt: 5) == ids([(1, 2)]))
        #expect(MerkleTree.nodesCompleted(byAppendingLeafAt: 7) == ids([(1, 3), (2, 1), (3, 0)]))
        #expect(MerkleTree.nodesCompleted(byAppendingLeafAt: 1_048_575).count == 20)
    }

    @Test func perfectSubtreesKnownAnswers() {
        func ids(_ pairs: [(Int, Int)]) -> [NodeID] { pairs.map { NodeID(level: $0.0, index: $0.1) } }
        #expect(MerkleTree.perfectSubtrees(ofSize: 0) == [])
        #expect(MerkleTree.perfectSubtrees(ofSize: 1) == ids([(0, 0)]))
        #expect(MerkleTree.perfectSubtrees(ofSize: 7) == ids([(2, 0), (1, 2), (0, 6)]))
        #expect(MerkleTree.perfectSubtrees(ofSize: 8) == ids([(3, 0)]))
        #expect(MerkleTree.perfectSubtrees(ofSize: 13) == ids([(3, 0), (2, 2), (0, 12)]))
        let node = NodeID(level: 2, index: 3)
        #expect(node.firstLeaf == 12 && node.endLeaf == 16 && node.leafCount == 4)
        #expect(node.children.left == NodeID(level: 1, index: 6) && node.children.right == NodeID(level: 1, index: 7))
    }

    /// Appending through `nodesCompleted` stores every node a root needs, at every size.
    @Test func appendsKeepEveryRootComputable() {
        let leaves = syntheticLeaves(300)
        let store = NodeStore()
        for (n, leaf) in leaves.enumerated() {
            store.append(leaf)
            #expect(MerkleTree.root(size: n + 1, node: store.node) == MerkleTree.root(leafHashes: Array(leaves[...n])))
        }
        #expect(store.missing.isEmpty)
        // Exactly the complete perfect subtrees are stored: floor(n / 2^l) nodes at level l.
        for level in 0...9 {
            #expect(store.nodes.keys.count(where: { $0.level == level }) == 300 >> level)
        }
    }
}

// MARK: - RFC 6962 worked examples

/// RFC 6962 §2.1.3: the tree of seven leaves d0..d6,
///
///                 hash
///                /    \
///               k      l
///              / \    / \
///             g   h  i   j
///            / \ / \ / \ |
///            a b c d e f d6
///
/// "The audit path for d0 is [b, h, l]. The audit path for d3 is [c, g, l]. The audit path
/// for d4 is [f, j, k]. The audit path for d6 is [i, k]." and "The consistency proof between
/// hash0 and hash is PROOF(3, D[7]) = [c, d, g, l]. [...] The consistency proof between hash1
/// and hash is PROOF(4, D[7]) = [l]. [...] The consistency proof between hash2 and hash is
/// PROOF(6, D[7]) = [i, j, k]."
@Suite struct MerkleRFC6962ExampleTests {
    let leaves = Array(leafHashes[0..<7])
    var a: [UInt8] { leaves[0] }
    var b: [UInt8] { leaves[1] }
    var c: [UInt8] { leaves[2] }
    var d: [UInt8] { leaves[3] }
    var e: [UInt8] { leaves[4] }
    var f: [UInt8] { leaves[5] }
    var j: [UInt8] { leaves[6] }
    var g: [UInt8] { MerkleHashing.nodeHash(a, b) }
    var h: [UInt8] { MerkleHashing.nodeHash(c, d) }
    var i: [UInt8] { MerkleHashing.nodeHash(e, f) }
    var k: [UInt8] { MerkleHashing.nodeHash(g, h) }
    var l: [UInt8] { MerkleHashing.nodeHash(i, j) }
    var root: [UInt8] { MerkleHashing.nodeHash(k, l) }

    @Test func rootIsTheDrawnTree() {
        #expect(MerkleTree.root(leafHashes: leaves) == root)
        #expect(MerkleTree.root(size: 7, node: NodeStore(leaves: leaves).node) == root)
    }

    @Test func auditPaths() {
        let store = NodeStore(leaves: leaves)
        let expected: [Int: [[UInt8]]] = [0: [b, h, l], 3: [c, g, l], 4: [f, j, k], 6: [i, k]]
        for (index, path) in expected {
            #expect(MerkleTree.inclusionProof(index: index, leafHashes: leaves) == path)
            #expect(MerkleProof.inclusionProof(index: index, size: 7, node: store.node) == path)
            #expect(MerkleVerifier.verifyInclusion(leafHash: leaves[index], index: index, size: 7, proof: path, root: root))
        }
        #expect(store.missing.isEmpty)
    }

    @Test func consistencyProofs() {
        let store = NodeStore(leaves: leaves)
        let expected: [Int: [[UInt8]]] = [3: [c, d, g, l], 4: [l], 6: [i, j, k]]
        for (size, proof) in expected {
            #expect(MerkleTree.consistencyProof(from: size, leafHashes: leaves) == proof)
            #expect(MerkleProof.consistencyProof(from: size, to: 7, node: store.node) == proof)
            let oldRoot = MerkleTree.root(leafHashes: Array(leaves[0..<size]))
            #expect(MerkleVerifier.verifyConsistency(size1: size, size2: 7, root1: oldRoot, root2: root, proof: proof))
        }
        #expect(store.missing.isEmpty)
    }

    @Test func proofNodesAddressTheBorder() {
        func ids(_ pairs: [(Int, Int)]) -> [NodeID] { pairs.map { NodeID(level: $0.0, index: $0.1) } }
        // d0: b = (0,1), h = (1,1), l = fold of (1,2) and (0,6).
        #expect(MerkleProof.inclusionProofNodes(index: 0, size: 7) == [ids([(0, 1)]), ids([(1, 1)]), ids([(1, 2), (0, 6)])])
        // d6: i = (1,2), k = (2,0).
        #expect(MerkleProof.inclusionProofNodes(index: 6, size: 7) == [ids([(1, 2)]), ids([(2, 0)])])
        // PROOF(3, D[7]) = [c, d, g, l].
        #expect(MerkleProof.consistencyProofNodes(from: 3, to: 7)
            == [ids([(0, 2)]), ids([(0, 3)]), ids([(1, 0)]), ids([(1, 2), (0, 6)])])
        #expect(MerkleProof.consistencyProofNodes(from: 0, to: 7) == [])
        #expect(MerkleProof.consistencyProofNodes(from: 7, to: 7) == [])
    }
}

// MARK: - transparency-dev vectors

private struct InclusionVector: Decodable {
    var leafIdx: UInt64
    var treeSize: UInt64
    var root: String
    var leafHash: String
    var proof: [String]?
    var desc: String
    var wantErr: Bool
}

private struct ConsistencyVector: Decodable {
    var size1: UInt64
    var size2: UInt64
    var root1: String
    var root2: String
    var proof: [String]?
    var desc: String
    var wantErr: Bool
}

enum MerkleVectorFiles {
    static var directory: URL {
        Bundle.module.url(forResource: "Vectors", withExtension: nil)!.appendingPathComponent("merkle")
    }

    /// The JSON files under `merkle/kind`, as paths relative to `merkle/`, sorted.
    static func files(_ kind: String) -> [String] {
        let base = directory.appendingPathComponent(kind)
        guard let enumerator = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.map { kind + "/" + $0 }.sorted()
    }

    static func load<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(path)))
    }

    /// Vectors where intake deliberately differs from upstream, with the reason.
    static let deviations: [String: String] = [
        "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json":
            "upstream accepts equal 12-byte 'roots'; intake refuses every hash that is not 32 bytes",
    ]
}

private func bytes(_ base64: String) -> [UInt8] {
    // Foundation's decoder, independent of the code under test; "" is the empty hash.
    [UInt8](Data(base64Encoded: base64) ?? Data())
}

@Suite struct MerkleVectorTests {
    @Test func everyFileIsFound() {
        #expect(MerkleVectorFiles.files("inclusion").count == 98)
        #expect(MerkleVectorFiles.files("consistency").count == 98)
    }

    @Test(arguments: MerkleVectorFiles.files("inclusion"))
    func inclusion(path: String) throws {
        let v = try MerkleVectorFiles.load(InclusionVector.self, path)
        let index = Int(truncatingIfNeeded: v.leafIdx), size = Int(truncatingIfNeeded: v.treeSize)
        let proof = (v.proof ?? []).map(bytes)
        let verified = MerkleVerifier.verifyInclusion(
            leafHash: bytes(v.leafHash), index: index, size: size, proof: proof, root: bytes(v.root))
        let expected = MerkleVectorFiles.deviations[path] == nil ? !v.wantErr : v.wantErr
        #expect(verified == expected, "\(path): \(v.desc)")
        if !v.wantErr {
            #expect(MerkleVerifier.rootFromInclusionProof(leafHash: bytes(v.leafHash), index: index, size: size, proof: proof)
                == bytes(v.root))
        }
        // Happy paths over the README's leaves: generation reproduces the proof.
        if !v.wantErr, size <= leafHashes.count, index >= 0, index < size, bytes(v.leafHash) == leafHashes[index] {
            let tree = Array(leafHashes[0..<size])
            #expect(MerkleTree.root(leafHashes: tree) == bytes(v.root))
            #expect(MerkleTree.inclusionProof(index: index, leafHashes: tree) == proof)
            #expect(MerkleProof.inclusionProof(index: index, size: size, node: NodeStore(leaves: tree).node) == proof)
        }
    }

    @Test(arguments: MerkleVectorFiles.files("consistency"))
    func consistency(path: String) throws {
        let v = try MerkleVectorFiles.load(ConsistencyVector.self, path)
        let size1 = Int(truncatingIfNeeded: v.size1), size2 = Int(truncatingIfNeeded: v.size2)
        let proof = (v.proof ?? []).map(bytes)
        let verified = MerkleVerifier.verifyConsistency(
            size1: size1, size2: size2, root1: bytes(v.root1), root2: bytes(v.root2), proof: proof)
        let expected = MerkleVectorFiles.deviations[path] == nil ? !v.wantErr : v.wantErr
        #expect(verified == expected, "\(path): \(v.desc)")
        if !v.wantErr, size2 <= leafHashes.count, size1 > 0,
           bytes(v.root2) == MerkleTree.root(leafHashes: Array(leafHashes[0..<size2])) {
            #expect(bytes(v.root1) == MerkleTree.root(leafHashes: Array(leafHashes[0..<size1])))
            #expect(MerkleTree.consistencyProof(from: size1, leafHashes: Array(leafHashes[0..<size2])) == proof)
            let store = NodeStore(leaves: Array(leafHashes[0..<size2]))
            #expect(MerkleProof.consistencyProof(from: size1, to: size2, node: store.node) == proof)
        }
    }

    /// The happy paths do reach the generation checks above (they are not all skipped).
    @Test func happyPathsAreOverTheReadmeLeaves() throws {
        var covered = 0
        for path in MerkleVectorFiles.files("inclusion") where path.hasSuffix("happy-path.json") {
            let v = try MerkleVectorFiles.load(InclusionVector.self, path)
            if bytes(v.leafHash) == leafHashes[Int(v.leafIdx)] { covered += 1 }
        }
        #expect(covered == 5)
    }
}

// MARK: - Verifier edge cases

@Suite struct MerkleVerifierEdgeTests {
    let leaves = Array(leafHashes[0..<7])
    var root: [UInt8] { MerkleTree.root(leafHashes: leaves) }
    func proof(_ index: Int) -> [[UInt8]] { MerkleTree.inclusionProof(index: index, leafHashes: leaves) }

    @Test func inclusionEdges() {
        let p = proof(3), leaf = leaves[3]
        #expect(MerkleVerifier.verifyInclusion(leafHash: leaf, index: 3, size: 7, proof: p, root: root))
        // Index and size out of range.
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 7, size: 7, proof: p, root: root))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: -1, size: 7, proof: p, root: root))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 0, size: 0, proof: [], root: MerkleHashing.emptyRoot))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 3, size: -7, proof: p, root: root))
        // Wrong index or size for the same proof. (Not every wrong size is caught: the path of
        // leaf 3 has the same shape in trees of 7 and 8 leaves, so the proof for 7 also
        // "verifies" at 8 against the same root. The root binds the contents; the signed
        // checkpoint binds the size.)
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 2, size: 7, proof: p, root: root))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 3, size: 14, proof: p, root: root))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 3, size: 4, proof: p, root: root))
        // Proof too long or too short.
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 3, size: 7, proof: p + [leaf], root: root))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 3, size: 7, proof: Array(p.dropLast()), root: root))
        #expect(MerkleVerifier.rootFromInclusionProof(leafHash: leaf, index: 3, size: 7, proof: p + [leaf]) == nil)
        #expect(MerkleVerifier.rootFromInclusionProof(leafHash: leaf, index: 3, size: 7, proof: Array(p.dropLast())) == nil)
        // Hashes of the wrong length anywhere.
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf + [0], index: 3, size: 7, proof: p, root: root))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 3, size: 7, proof: p, root: root + [0]))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 3, size: 7, proof: [p[0] + [0]] + p.dropFirst(), root: root))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: [], index: 0, size: 1, proof: [], root: []))
        // A one-leaf tree: the root is the leaf hash and the proof is empty.
        #expect(MerkleVerifier.verifyInclusion(leafHash: leaf, index: 0, size: 1, proof: [], root: leaf))
        #expect(!MerkleVerifier.verifyInclusion(leafHash: leaf, index: 0, size: 1, proof: [leaf], root: leaf))
    }

    @Test func consistencyEdges() {
        let root3 = MerkleTree.root(leafHashes: Array(leaves[0..<3]))
        let p = MerkleTree.consistencyProof(from: 3, leafHashes: leaves)
        #expect(MerkleVerifier.verifyConsistency(size1: 3, size2: 7, root1: root3, root2: root, proof: p))
        // Swapped, reversed, shifted sizes.
        #expect(!MerkleVerifier.verifyConsistency(size1: 7, size2: 3, root1: root, root2: root3, proof: p))
        #expect(!MerkleVerifier.verifyConsistency(size1: 3, size2: 7, root1: root, root2: root3, proof: p))
        #expect(!MerkleVerifier.verifyConsistency(size1: 3, size2: 14, root1: root3, root2: root, proof: p))
        #expect(!MerkleVerifier.verifyConsistency(size1: 3, size2: 4, root1: root3, root2: root, proof: p))
        #expect(!MerkleVerifier.verifyConsistency(size1: 2, size2: 7, root1: root3, root2: root, proof: p))
        #expect(!MerkleVerifier.verifyConsistency(size1: -3, size2: 7, root1: root3, root2: root, proof: p))
        // Proof too long, too short, empty.
        #expect(!MerkleVerifier.verifyConsistency(size1: 3, size2: 7, root1: root3, root2: root, proof: p + [root]))
        #expect(!MerkleVerifier.verifyConsistency(size1: 3, size2: 7, root1: root3, root2: root, proof: Array(p.dropLast())))
        #expect(!MerkleVerifier.verifyConsistency(size1: 3, size2: 7, root1: root3, root2: root, proof: []))
        // Equal sizes: empty proof and identical roots; the empty tree's root is SHA-256("").
        #expect(MerkleVerifier.verifyConsistency(size1: 7, size2: 7, root1: root, root2: root, proof: []))
        #expect(!MerkleVerifier.verifyConsistency(size1: 7, size2: 7, root1: root, root2: root3, proof: []))
        #expect(!MerkleVerifier.verifyConsistency(size1: 7, size2: 7, root1: root, root2: root, proof: [root]))
        #expect(MerkleVerifier.verifyConsistency(size1: 0, size2: 0, root1: MerkleHashing.emptyRoot, root2: MerkleHashing.emptyRoot, proof: []))
        #expect(!MerkleVerifier.verifyConsistency(size1: 0, size2: 0, root1: root, root2: root, proof: []))
        // From the empty tree: refused, whatever the proof.
        #expect(!MerkleVerifier.verifyConsistency(size1: 0, size2: 7, root1: MerkleHashing.emptyRoot, root2: root, proof: []))
        #expect(!MerkleVerifier.verifyConsistency(size1: 0, size2: 7, root1: MerkleHashing.emptyRoot, root2: root, proof: [root]))
        // Wrong hash lengths.
        #expect(!MerkleVerifier.verifyConsistency(size1: 7, size2: 7, root1: [1, 2], root2: [1, 2], proof: []))
        #expect(!MerkleVerifier.verifyConsistency(size1: 3, size2: 7, root1: root3, root2: root, proof: [p[0] + [0]] + p.dropFirst()))
        // Power-of-two old size: the old root is implicit in the proof.
        let root4 = MerkleTree.root(leafHashes: Array(leaves[0..<4]))
        let p4 = MerkleTree.consistencyProof(from: 4, leafHashes: leaves)
        #expect(MerkleVerifier.verifyConsistency(size1: 4, size2: 7, root1: root4, root2: root, proof: p4))
        #expect(!MerkleVerifier.verifyConsistency(size1: 4, size2: 7, root1: root3, root2: root, proof: p4))
    }
}

// MARK: - Properties

@Suite struct MerklePropertyTests {
    static let leaves = syntheticLeaves(70)

    /// For every tree of `size` leaves: every inclusion proof and every consistency proof
    /// from a smaller tree, generated from stored nodes, equals the RFC definition, verifies,
    /// and reads at most 2 * ceil(log2 n) + 2 nodes.
    @Test(arguments: 1...70)
    func proofsForEverySize(size: Int) {
        let tree = Array(Self.leaves[0..<size])
        let store = NodeStore(leaves: tree)
        let root = MerkleTree.root(leafHashes: tree)
        store.reads = 0
        #expect(MerkleTree.root(size: size, node: store.node) == root)
        #expect(store.reads == size.nonzeroBitCount)

        for index in 0..<size {
            store.reads = 0
            let proof = MerkleProof.inclusionProof(index: index, size: size, node: store.node)
            #expect(store.reads <= readBound(size), "size \(size) index \(index): \(store.reads) reads")
            #expect(store.reads == MerkleProof.inclusionProofNodes(index: index, size: size).joined().count)
            #expect(proof == MerkleTree.inclusionProof(index: index, leafHashes: tree), "size \(size) index \(index)")
            #expect(MerkleVerifier.verifyInclusion(leafHash: tree[index], index: index, size: size, proof: proof, root: root))
            if size > 1 {
                let other = (index + 1) % size
                #expect(!MerkleVerifier.verifyInclusion(leafHash: tree[other], index: index, size: size, proof: proof, root: root))
            }
        }

        for oldSize in 0...size {
            store.reads = 0
            let proof = MerkleProof.consistencyProof(from: oldSize, to: size, node: store.node)
            #expect(store.reads <= readBound(size), "\(oldSize) -> \(size): \(store.reads) reads")
            #expect(proof == MerkleTree.consistencyProof(from: oldSize, leafHashes: tree), "\(oldSize) -> \(size)")
            let oldRoot = MerkleTree.root(leafHashes: Array(tree[0..<oldSize]))
            let verified = MerkleVerifier.verifyConsistency(size1: oldSize, size2: size, root1: oldRoot, root2: root, proof: proof)
            #expect(verified == (oldSize > 0), "\(oldSize) -> \(size)")
            if oldSize > 0, oldSize < size {
                #expect(!MerkleVerifier.verifyConsistency(size1: oldSize, size2: size, root1: root, root2: oldRoot, proof: proof))
            }
        }
        #expect(store.missing.isEmpty)
    }

    /// A million leaves, with a synthetic node function: proofs read O(log n) nodes, and only
    /// nodes that exist (complete perfect subtrees) at that size.
    @Test(arguments: [1_000_000, 1_048_575, 1_048_576, 1_048_577])
    func readsStayLogarithmic(size: Int) {
        var reads = 0
        var bad: [NodeID] = []
        let node: (NodeID) -> [UInt8] = { id in
            reads += 1
            if id.level < 0 || id.index < 0 || id.endLeaf > size { bad.append(id) }
            return [UInt8](repeating: UInt8(truncatingIfNeeded: id.level &+ id.index), count: 32)
        }
        let bound = readBound(size)
        _ = MerkleTree.root(size: size, node: node)
        #expect(reads == size.nonzeroBitCount)
        var indices = [0, 1, 2, size / 2, size / 2 + 1, 524_287, 524_288, size - 2, size - 1]
        indices += stride(from: 3, to: size, by: 9_973)
        for index in indices where index < size {
            reads = 0
            let proof = MerkleProof.inclusionProof(index: index, size: size, node: node)
            #expect(reads <= bound, "index \(index): \(reads) reads")
            #expect(proof.count <= ceilLog2(size))
        }
        for oldSize in [1, 2, 3, 12_345, 524_287, 524_288, 524_289, size - 1, size] + Array(stride(from: 7, to: size, by: 19_997)) {
            reads = 0
            _ = MerkleProof.consistencyProof(from: oldSize, to: size, node: node)
            #expect(reads <= bound, "\(oldSize) -> \(size): \(reads) reads")
        }
        #expect(bad.isEmpty)
    }

    /// Proofs from stored nodes verify in a larger real tree too.
    @Test func largerRealTree() {
        let size = 1_025
        let tree = syntheticLeaves(size)
        let store = NodeStore(leaves: tree)
        let root = MerkleTree.root(size: size, node: store.node)
        #expect(root == MerkleTree.root(leafHashes: tree))
        for index in [0, 1, 511, 512, 1_000, 1_023, 1_024] {
            let proof = MerkleProof.inclusionProof(index: index, size: size, node: store.node)
            #expect(MerkleVerifier.verifyInclusion(leafHash: tree[index], index: index, size: size, proof: proof, root: root))
        }
        for oldSize in [1, 2, 511, 512, 513, 1_000, 1_024] {
            let proof = MerkleProof.consistencyProof(from: oldSize, to: size, node: store.node)
            let oldRoot = MerkleTree.root(size: oldSize, node: store.node)
            #expect(MerkleVerifier.verifyConsistency(size1: oldSize, size2: size, root1: oldRoot, root2: root, proof: proof))
        }
        #expect(store.missing.isEmpty)
    }
}
