import Foundation
public import GRDB
public import IntakeCore

/// A ledger failure with a stable code.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// The one owner of `ledger.sqlite`: cases, agencies, submissions and the RFC 9162 Merkle log
/// of events with its signed checkpoints.
///
/// Every write is a named method that runs in one transaction and appends the leaves, the
/// new perfect-subtree nodes (O(log n) per leaf) and one new signed checkpoint together.
/// Nothing is ever updated or deleted: SQL triggers refuse it.
public final class Ledger: Sendable {
    let pool: DatabasePool
    public let origin: String
    let signer: (any NoteSigner)?

    /// Opens (creating and migrating when writable) the ledger at `path`. A read-only ledger
    /// needs no signer and refuses writes.
    public init(path: String, origin: String, signer: (any NoteSigner)?, readOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // FULL: each commit fsyncs the WAL, so a committed event survives power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // REPLACE deletes the row it replaces; only with recursive triggers does that fire
            // the append-only DELETE triggers.
            try db.execute(sql: "PRAGMA recursive_triggers = ON")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        self.origin = origin
        self.signer = signer
        if !readOnly {
            // GRDB puts a pool's writer in WAL mode *after* `prepareDatabase`, and sets
            // `synchronous = NORMAL` as it does: commits would then not be fsynced (a power
            // loss could take back a committed event, and a receipt already handed out).
            // The writer is one connection for the pool's life; set FULL on it again.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Migrations.migrator.migrate(pool)
        }
    }

    /// The origin line of the latest stored checkpoint of the ledger at `path`, read-only; nil
    /// when there is none (for a read-only command whose intake.toml cannot be read).
    public static func storedOrigin(path: String) -> String? {
        var configuration = Configuration()
        configuration.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        defer { try? queue.close() }
        let note = try? queue.read { db in try Self.latestCheckpoint(db)?.note }
        guard let text = note ?? nil, let line = text.split(separator: "\n", omittingEmptySubsequences: false).first, !line.isEmpty else { return nil }
        return String(line)
    }

    // MARK: - The Merkle log

    /// The number of leaves.
    public func treeSize() throws -> Int {
        try pool.read { db in try Self.size(db) }
    }

    static func size(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entry")) ?? 0
    }

    static func node(_ id: NodeID, _ db: Database) throws -> [UInt8] {
        let data: Data? = if id.level == 0 {
            try Data.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash FROM log_entry WHERE idx = ?"), arguments: [id.index])
        } else {
            try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM log_node WHERE level = ? AND idx = ?"), arguments: [id.level, id.index])
        }
        guard let data else { throw LedgerError("missing-node", "the Merkle node \(id) is not stored") }
        return [UInt8](data)
    }

    /// The root hash of the tree of `size` leaves, from stored nodes (O(log n) reads).
    public func rootHash(size: Int) throws -> [UInt8] {
        try pool.read { db in try MerkleTree.root(size: size) { try Self.node($0, db) } }
    }

    /// The ledger's signer; refuses before anything is written or persisted when it has none.
    @discardableResult
    func requireSigner() throws -> any NoteSigner {
        guard let signer else { throw LedgerError("read-only", "the ledger was opened without its signing key") }
        return signer
    }

    /// Appends `events` as leaves, stores the completed nodes, and (unless `sign` is false: a
    /// group commit signs once for all its inputs, `signCheckpoint`) signs a checkpoint for the
    /// new tree. Runs inside the caller's transaction. Returns the leaves' indices.
    @discardableResult
    func append(_ events: [LedgerEvent], _ db: Database, inputKey: String? = nil, at now: UTCInstant, sign: Bool = true) throws -> [Int] {
        try requireSigner()
        var size = try Self.size(db)
        var indices: [Int] = []
        var fresh: [NodeID: [UInt8]] = [:]
        for (offset, event) in events.enumerated() {
            let entry = event.entry
            let leafHash = MerkleHashing.leafHash(entry)
            try db.cachedStatement(sql: """
                INSERT INTO log_entry (idx, kind, entry, leaf_hash, envelope_sha256, input_key)
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [size, event.kind.rawValue, Data(entry), Data(leafHash),
                                 event.fields["envelopeSha256"]?.stringValue,
                                 offset == 0 ? inputKey : nil])
            fresh[NodeID(level: 0, index: size)] = leafHash
            for id in MerkleTree.nodesCompleted(byAppendingLeafAt: size) {
                let (left, right) = id.children
                let hash = MerkleHashing.nodeHash(try fresh[left] ?? Self.node(left, db), try fresh[right] ?? Self.node(right, db))
                fresh[id] = hash
                try db.cachedStatement(sql: "INSERT INTO log_node (level, idx, hash) VALUES (?, ?, ?)").execute(arguments: [id.level, id.index, Data(hash)])
            }
            indices.append(size)
            size += 1
        }
        if sign { try signCheckpoint(db, size: size, at: now) { fresh[$0] } }
        return indices
    }

    /// Signs a checkpoint for the tree of `size` leaves (the whole tree), inside the caller's
    /// transaction, after proving it consistent with the last signed one. `cached` may supply
    /// nodes the caller has just computed.
    func signCheckpoint(_ db: Database, size: Int, at now: UTCInstant, cached: (NodeID) -> [UInt8]? = { _ in nil }) throws {
        let signer = try requireSigner()
        let root = try MerkleTree.root(size: size) { id in try cached(id) ?? Self.node(id, db) }
        // Never sign a tree inconsistent with the last signed one (RFC 9162 §2.1.4): prove the
        // old tree is a prefix of the new from the stored nodes, and verify the proof.
        if let last = try Self.latestCheckpoint(db) {
            let consistent = try last.size < size && MerkleVerifier.verifyConsistency(
                size1: last.size, size2: size, root1: last.rootHash, root2: root,
                proof: MerkleProof.consistencyProof(from: last.size, to: size) { id in try cached(id) ?? Self.node(id, db) })
            guard consistent else {
                throw LedgerError("inconsistent", "the tree of \(size) entries is not consistent with the checkpoint at \(last.size); refusing to sign")
            }
        }
        let body = try Checkpoint(origin: origin, size: size, rootHash: root).format()
        let note = try signer.signNote(body)
        try db.cachedStatement(sql: "INSERT INTO checkpoint (tree_size, root_hash, note, signed_at) VALUES (?, ?, ?, ?)").execute(arguments: [size, Data(root), note.format(), now.rfc3339(milliseconds: true)])
    }

    /// Appends `events` as they are, in one transaction with one signed checkpoint, for bulk
    /// loads such as `intake-bench ledger`. Only events that no index table mirrors are
    /// accepted (today: `return-superseded`), so the tables stay what the log says.
    public func appendBulk(_ events: [LedgerEvent], at now: UTCInstant) throws {
        guard events.allSatisfy({ $0.kind == .returnSuperseded }) else {
            throw LedgerError("not-bulk", "only events without index-table rows can be appended in bulk")
        }
        try requireSigner()
        try pool.write { db in _ = try append(events, db, at: now) }
    }

    /// The latest signed checkpoint, as signed-note text.
    public func latestCheckpoint() throws -> (size: Int, note: String)? {
        try latestSignedCheckpoint().map { ($0.size, $0.note) }
    }

    /// The leaf bytes at `index`.
    public func entry(at index: Int) throws -> [UInt8]? {
        try pool.read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT entry FROM log_entry WHERE idx = ?"), arguments: [index]).map { [UInt8]($0) }
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot).
    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try pool.read(body)
    }
}

extension LedgerError {
    /// The storage failure behind a SQLite error, by the codes the daemon reports storage
    /// failures with: `disk-full` (SQLITE_FULL), `read-only` (SQLITE_READONLY) or `io-error`
    /// (SQLITE_IOERR, SQLITE_CANTOPEN); nil for any other error.
    public static func storageCode(of error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL: return "disk-full"
        case .SQLITE_READONLY: return "read-only"
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: return "io-error"
        default: return nil
        }
    }
}
