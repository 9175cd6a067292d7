public import IntakeCore
import Foundation
import GRDB

/// RFC 9162 proofs from the stored nodes (O(log n) reads each), and the signed checkpoints.
extension Ledger {
    /// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
    public func inclusionProof(index: Int, size: Int) throws -> [[UInt8]] {
        guard index >= 0, index < size else { throw LedgerError("bad-index", "no entry \(index) in a tree of \(size)") }
        return try pool.read { db in
            guard size <= (try Self.size(db)) else { throw LedgerError("bad-size", "the ledger has fewer than \(size) entries") }
            return try MerkleProof.inclusionProof(index: index, size: size) { try Self.node($0, db) }
        }
    }

    /// What the receipts of the entries at `indices` need, read in one transaction: the latest
    /// signed checkpoint, and each entry with its inclusion proof in that checkpoint's tree
    /// (nil for an index the checkpoint does not cover).
    public func receiptMaterial(indices: [Int]) throws -> (checkpoint: SignedCheckpoint?, entries: [(entry: [UInt8], proof: [[UInt8]])?]) {
        try pool.read { db in
            guard let checkpoint = try Self.latestCheckpoint(db) else { return (nil, indices.map { _ in nil }) }
            let entries: [(entry: [UInt8], proof: [[UInt8]])?] = try indices.map { index in
                guard index >= 0, index < checkpoint.size,
                      let entry = try Data.fetchOne(db.cachedStatement(sql: "SELECT entry FROM log_entry WHERE idx = ?"), arguments: [index])
                else { return nil }
                return ([UInt8](entry), try MerkleProof.inclusionProof(index: index, size: checkpoint.size) { try Self.node($0, db) })
            }
            return (checkpoint, entries)
        }
    }

    /// The consistency proof from the tree of `oldSize` leaves to that of `newSize`
    /// (RFC 9162 §2.1.4.1).
    public func consistencyProof(from oldSize: Int, to newSize: Int) throws -> [[UInt8]] {
        guard oldSize >= 0, oldSize <= newSize else { throw LedgerError("bad-size", "sizes \(oldSize) and \(newSize) are out of order") }
        return try pool.read { db in
            guard newSize <= (try Self.size(db)) else { throw LedgerError("bad-size", "the ledger has fewer than \(newSize) entries") }
            return try MerkleProof.consistencyProof(from: oldSize, to: newSize) { try Self.node($0, db) }
        }
    }

    /// A stored signed checkpoint.
    public struct SignedCheckpoint: Sendable, Equatable {
        public var size: Int
        public var rootHash: [UInt8]
        public var note: String
    }

    /// The latest signed checkpoint.
    public func latestSignedCheckpoint() throws -> SignedCheckpoint? {
        try pool.read { db in try Self.latestCheckpoint(db) }
    }

    /// Every stored checkpoint, oldest first; with `after`, only those of larger trees.
    public func signedCheckpoints(after size: Int = -1) throws -> [SignedCheckpoint] {
        try pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT tree_size, root_hash, note FROM checkpoint WHERE tree_size > ? ORDER BY tree_size"),
                             arguments: [size]).map {
                SignedCheckpoint(size: $0["tree_size"], rootHash: [UInt8]($0["root_hash"] as Data), note: $0["note"])
            }
        }
    }

    static func latestCheckpoint(_ db: Database) throws -> SignedCheckpoint? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT tree_size, root_hash, note FROM checkpoint ORDER BY tree_size DESC LIMIT 1"))
        else { return nil }
        return SignedCheckpoint(size: row["tree_size"], rootHash: [UInt8](row["root_hash"] as Data), note: row["note"])
    }

    /// A C2SP tlog-proof for entry `index` against the latest signed checkpoint.
    public func tlogProof(index: Int) throws -> TlogProof {
        guard let checkpoint = try latestSignedCheckpoint() else { throw LedgerError("empty", "the ledger has no checkpoint yet") }
        let proof = try inclusionProof(index: index, size: checkpoint.size)
        return try TlogProof(extra: nil, index: index, inclusionProof: proof, note: SignedNote.parse(checkpoint.note))
    }
}
