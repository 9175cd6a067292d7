public import IntakeCore
import Foundation
import GRDB
import GRDBSQLite

/// What `intake verify` checks in the ledger file itself, from first principles:
///
/// - entries are numbered 0, 1, 2, … with no gap; each entry is canonical JSON of a known
///   event and its stored leaf hash is SHA-256(0x00 ‖ entry) (RFC 9162 §2.1.1);
/// - every stored node equals the hash of its children recomputed from the leaves, and no
///   node is stored that the tree does not have;
/// - every stored checkpoint's root is the root recomputed from the first `size` leaves, its
///   note body is that checkpoint (origin, size, root) and it is signed by the ledger key —
///   so consecutive checkpoints are consistent by construction;
/// - each extra checkpoint given (exported earlier) is signed, names this origin, and its
///   root is the recomputed root at its size (a rolled-back or forked ledger fails here);
/// - the index tables (agencies, certificates, cases, expected agencies, submissions,
///   milestones) hold exactly what the log's events say.
///
/// It streams the log once and the stored nodes once. Memory: O(log n) for the roots, plus
/// 32 bytes per recomputed node, kept for the node pass.
public struct LedgerAudit: Sendable {
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var code: String
        public var index: Int?
        public var message: String

        public init(code: String, index: Int?, message: String) {
            self.code = code
            self.index = index
            self.message = message
        }

        public var description: String { index.map { "index \($0): \(code): \(message)" } ?? "\(code): \(message)" }
    }

    /// An event that names an envelope: where its bytes must be.
    public struct EnvelopeReference: Sendable, Equatable {
        public var index: Int
        public var sha256: String
        public var inStore: Bool
        public var unopened: Bool
        /// A rejection whose bytes were not kept (the quarantine was full): only its record is.
        public var recordOnly: Bool = false
        /// SHA-256 of the kept prefix of a larger input, when only a prefix was kept.
        public var keptSha256: String?
    }

    public var treeSize = 0
    public var rootHash: [UInt8] = MerkleHashing.emptyRoot
    public var checkpointsChecked = 0
    public var findings: [Finding] = []
    public var envelopes: [EnvelopeReference] = []

    public var ok: Bool { findings.isEmpty }
}

extension Ledger {
    /// Audits the ledger. `isSigned` checks a note's signature by the ledger key (the crypto
    /// lives in the shell); `extraCheckpoints` are checkpoints exported earlier. Returns at
    /// most `maxFindings`, lowest index first.
    ///
    /// The log and the nodes are read with SQLite's C API on statements GRDB prepares, each
    /// column's bytes used where SQLite holds them; per entry, the canonical-JSON check, the
    /// hashing and the comparisons allocate nothing. Columns are read as GRDB reads them
    /// (bytes: `sqlite3_column_blob`; `String`: `sqlite3_column_text` up to its first NUL),
    /// so the findings are the same.
    public func audit(isSigned: (SignedNote) -> Bool, extraCheckpoints: [SignedNote] = [],
                      maxFindings: Int = 20) throws -> LedgerAudit {
        try pool.read { db in
            var audit = LedgerAudit()
            func report(_ code: String, _ index: Int?, _ message: String) {
                // Collected generously, then ordered by index (the first bad index first) and cut.
                if audit.findings.count < maxFindings * 50 { audit.findings.append(.init(code: code, index: index, message: message)) }
            }

            // Checkpoints to meet on the way: stored ones, and extra ones by size.
            let stored = try Row.fetchAll(db, sql: "SELECT tree_size, root_hash, note FROM checkpoint ORDER BY tree_size")
            let storedSizes = stored.map { $0["tree_size"] as Int }
            var extra: [Int: [SignedNote]] = [:]
            for note in extraCheckpoints {
                guard isSigned(note), let body = try? Checkpoint.parse(note.text), body.origin == origin else {
                    report("bad-exported-checkpoint", nil, "an exported checkpoint is not signed by the ledger key for origin \(origin)")
                    continue
                }
                extra[body.size, default: []].append(note)
            }
            var nextStored = 0  // the first stored checkpoint not yet met
            var expected = 0
            var events: [Int: LedgerEvent] = [:]  // only those the index tables must match

            /// The stored and exported checkpoints due at `size`, against `computed`, the root
            /// of the first `size` leaves.
            func checkCheckpoints(at size: Int, computed: [UInt8]) {
                while nextStored < stored.count, storedSizes[nextStored] <= size {
                    let row = stored[nextStored], rowSize = storedSizes[nextStored]
                    nextStored += 1
                    audit.checkpointsChecked += 1
                    guard rowSize == size else {
                        report("checkpoint-without-tree", rowSize - 1, "a checkpoint of size \(rowSize) but the log has no such prefix")
                        continue
                    }
                    let note = try? SignedNote.parse(row["note"] as String)
                    let body = note.flatMap { try? Checkpoint.parse($0.text) }
                    if [UInt8](row["root_hash"] as Data) != computed || body?.rootHash != computed || body?.size != size {
                        report("checkpoint-root", size - 1, "the checkpoint at size \(size) does not match the tree recomputed from the entries")
                    } else if body?.origin != origin || note.map(isSigned) != true {
                        report("checkpoint-signature", size - 1, "the checkpoint at size \(size) is not signed by the ledger key for origin \(origin)")
                    }
                }
                for note in extra[size] ?? [] where (try? Checkpoint.parse(note.text))?.rootHash != computed {
                    report("exported-checkpoint-inconsistent", size - 1,
                           "an exported checkpoint of size \(size) does not match this ledger: it was rolled back, forked or altered")
                }
                extra[size] = nil
            }

            // Text columns' bytes are their UTF-8 text only in a UTF-8 database (the ledger's).
            let utf8Database = try String.fetchOne(db, sql: "PRAGMA encoding") == "UTF-8"
            // The leaves are hashed, compared and folded into the tree on a second thread
            // (AuditLeafPass) while this one reads the log and checks each entry; what it finds
            // is reported after the pass, in the order one thread would have reported it: at
            // each index, the leaf hash, then the entry, then the checkpoints due there.
            let leafPass = AuditLeafPass(dueSizes: Set(storedSizes).union(extra.keys))
            var batch = AuditLeafPass.Batch(firstIndex: 0, capacity: AuditLeafPass.batchSize)
            var entryFindings: [LedgerAudit.Finding] = []
            func reportEntry(_ code: String, _ index: Int, _ message: String) {
                if entryFindings.count < maxFindings * 50 { entryFindings.append(.init(code: code, index: index, message: message)) }
            }
            do {
                let sql = "SELECT idx, kind, entry, leaf_hash, envelope_sha256 FROM log_entry ORDER BY idx"
                let entries = try db.makeStatement(sql: sql)
                let statement = entries.sqliteStatement
                defer { sqlite3_reset(statement) }
                while try Self.step(statement, db, sql) {
                    let index = Int(sqlite3_column_int64(statement, 0))
                    if index != expected {
                        reportEntry("missing-entry", expected, "entries \(expected)..<\(index) are missing")
                        break
                    }
                    // The entry is checked canonical where SQLite holds it, and copied for the
                    // leaf pass; it is parsed into an event only when the tables or the envelope
                    // check need one, or when the fast scanner cannot decide.
                    let bytes = Self.bytes(statement, 2)
                    let scan = LedgerEntryScan(bytes)
                    batch.append(entry: bytes, storedLeafHash: Self.bytes(statement, 3))
                    // canonical: nil when the scanner is unsure, else whether the entry is the
                    // canonical JSON of an object with a known kind and a valid time.
                    let canonical: Bool? = switch scan.verdict {
                    case .unsure: nil
                    case .notCanonical: false
                    case .canonical: scan.kind != nil && scan.atIsInstant
                    }
                    if canonical == true, let kind = scan.kind, !Self.needsEvent(kind),
                       Self.kindColumn(statement, 1, is: kind, utf8Database: utf8Database),
                       Self.envelopeColumn(statement, 4, is: scan.envelopeSha256.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }) {
                        // A known, canonical event that nothing else needs: checked.
                    } else if canonical != false, case let entry = [UInt8](bytes),
                              let json = try? JSONParser.parse(entry), CanonicalJSON.encode(json) == entry,
                              let event = LedgerEvent.parse(json: json), event.kind.rawValue == Self.text(statement, 1),
                              Self.text(statement, 4) == event["envelopeSha256"]?.stringValue {
                        Self.note(event, index: index, into: &audit, events: &events)
                    } else {
                        reportEntry("entry", index, "the entry is not the canonical JSON of a known event")
                    }
                    expected = index + 1
                    if batch.count == AuditLeafPass.batchSize {
                        leafPass.submit(batch)
                        batch = AuditLeafPass.Batch(firstIndex: expected, capacity: AuditLeafPass.batchSize)
                    }
                }
            }
            if batch.count > 0 { leafPass.submit(batch) }
            let tree = leafPass.finish()
            // The leaf pass's and the entry checks' findings, and the checkpoints', in index order.
            let badLeaves = Set(tree.badLeaves.map { NodeID(level: 0, index: $0) })
            var merged: [(index: Int, phase: Int, finding: LedgerAudit.Finding)] = tree.badLeaves.prefix(maxFindings * 50).map {
                ($0, 0, .init(code: "leaf-hash", index: $0, message: "the stored leaf hash is not SHA-256(0x00 || entry)"))
            }
            merged += entryFindings.map { ($0.index ?? 0, 1, $0) }
            let before = audit.findings.count
            for (size, root) in tree.roots { checkCheckpoints(at: size, computed: root) }
            merged += audit.findings[before...].map { ($0.index ?? 0, 2, $0) }
            audit.findings.removeSubrange(before...)
            for item in merged.enumerated().sorted(by: { ($0.element.index, $0.element.phase, $0.offset) < ($1.element.index, $1.element.phase, $1.offset) }) {
                report(item.element.finding.code, item.element.finding.index, item.element.finding.message)
            }
            audit.treeSize = expected
            audit.rootHash = tree.root
            if nextStored < storedSizes.count {
                report("checkpoint-beyond-log", nil, "a checkpoint of size \(storedSizes[nextStored]) is beyond the log's \(expected) entries: entries were removed")
            }
            for size in extra.keys.sorted() where size > expected {
                report("exported-checkpoint-beyond-log", nil,
                       "an exported checkpoint of size \(size) is beyond the log's \(expected) entries: the ledger was rolled back or truncated")
            }
            // The stored nodes, in their clustered (level, idx) order, against the recomputed ones.
            // Only the lowest bad nodes are reported (those whose children were fine): they
            // locate the damage; every node above them differs as a consequence.
            var storedNodes = 0
            var bad = badLeaves
            do {
                let sql = "SELECT level, idx, hash FROM log_node ORDER BY level, idx"
                let nodes = try db.makeStatement(sql: sql)
                let statement = nodes.sqliteStatement
                defer { sqlite3_reset(statement) }
                while try Self.step(statement, db, sql) {
                    storedNodes += 1
                    let level = Int(sqlite3_column_int64(statement, 0)), nodeIndex = Int(sqlite3_column_int64(statement, 1))
                    var matches = false
                    if let expected = tree.computed(level: level, index: nodeIndex) {
                        matches = expected.matches(Self.bytes(statement, 2))
                    }
                    if !matches {
                        let id = NodeID(level: level, index: nodeIndex)
                        bad.insert(id)
                        let childBad = level >= 1 && (bad.contains(NodeID(level: level - 1, index: nodeIndex &* 2))
                            || bad.contains(NodeID(level: level - 1, index: nodeIndex &* 2 &+ 1)))
                        if !childBad { report("node", nodeIndex << max(level, 0), "the stored node \(id) does not match its recomputed hash") }
                    }
                }
            }
            if storedNodes != tree.nodeCount {
                report("extra-nodes", nil, "\(storedNodes) nodes are stored where the tree has \(tree.nodeCount)")
            }
            if expected > 0, stored.isEmpty { report("no-checkpoint", nil, "the log has entries but no signed checkpoint") }
            try Self.auditTables(db, events: events, report: report)
            // Stable: findings at the same index keep the order in which they were found.
            audit.findings = audit.findings.enumerated()
                .sorted { ($0.element.index ?? Int.max, $0.offset) < ($1.element.index ?? Int.max, $1.offset) }
                .prefix(maxFindings).map(\.element)
            return audit
        }
    }

    /// The Merkle tree as the audit rebuilds it from the leaves: the compact range of perfect
    /// subtrees (for roots) and every completed node's hash, by level, in index order (to be
    /// compared with the stored nodes in one pass). Digests are inline values: appending a
    /// leaf allocates nothing but the amortized growth of the node lists.
    struct AuditTree {
        let hasher = SHA256Hasher()
        /// The compact range: (level, hash) of the maximal perfect subtrees, largest first.
        private(set) var stack: [(level: Int, hash: SHA256Digest)] = []
        /// Level 1, 2, …: the recomputed nodes' hashes.
        private(set) var levels: [[SHA256Digest]] = []
        private(set) var nodeCount = 0

        init() {
            stack.reserveCapacity(64)
        }

        /// Folds the leaf into the compact range, keeping each node that completes.
        mutating func append(_ leaf: SHA256Digest) {
            var level = 0, hash = leaf
            while let last = stack.last, last.level == level {
                stack.removeLast()
                hash = hasher.nodeDigest(last.hash, hash)
                level += 1
                if levels.count < level { levels.append([]) }
                levels[level - 1].append(hash)
                nodeCount += 1
            }
            stack.append((level, hash))
        }

        /// The recomputed node (level, index), level >= 1; nil when the tree has no such node.
        func computed(level: Int, index: Int) -> SHA256Digest? {
            guard level >= 1, level <= levels.count, index >= 0, index < levels[level - 1].count else { return nil }
            return levels[level - 1][index]
        }

        /// The root of the tree so far (RFC 9162: the compact range folded from the right).
        func root() -> [UInt8] {
            guard var hash = stack.last?.hash else { return MerkleHashing.emptyRoot }
            for item in stack.dropLast().reversed() { hash = hasher.nodeDigest(item.hash, hash) }
            return hash.bytes
        }
    }

    /// Steps a statement: true on a row, false when done; throws SQLite's error otherwise.
    @inline(__always)
    static func step(_ statement: SQLiteStatement, _ db: Database, _ sql: String) throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: sql)
        }
    }

    /// A column's bytes where SQLite holds them (`sqlite3_column_blob`: text as its bytes),
    /// valid until the next step. NULL gives no bytes, where GRDB's `withUnsafeData` gives nil;
    /// the audit's outcome is the same for both: an entry of no bytes is not canonical (so it
    /// is never parsed) and no bytes are never a 32-byte hash.
    @inline(__always)
    static func bytes(_ statement: SQLiteStatement, _ index: CInt) -> UnsafeRawBufferPointer {
        guard let bytes = sqlite3_column_blob(statement, index) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, index)))
    }

    /// A text column as GRDB decodes a `String?`: nil for NULL, else `sqlite3_column_text` up to
    /// its first NUL (`String(cString:)`).
    static func text(_ statement: SQLiteStatement, _ index: CInt) -> String? {
        guard sqlite3_column_type(statement, index) != SQLITE_NULL, let text = sqlite3_column_text(statement, index) else { return nil }
        return String(cString: text)
    }

    /// `text(statement, index) == kind.rawValue`, without building the string, and in a
    /// UTF-8 database without `sqlite3_column_text` either: that one copies the value to
    /// NUL-terminate it, while the column's bytes are its text's bytes. Bytes equal to the
    /// (ASCII, NUL-free) name are that text; any other bytes are compared as text.
    @inline(__always)
    static func kindColumn(_ statement: SQLiteStatement, _ index: CInt, is kind: LedgerEvent.Kind, utf8Database: Bool) -> Bool {
        var name = kind.rawValue
        return name.withUTF8 { name in
            if utf8Database {
                let column = bytes(statement, index)
                if column.count == name.count, memcmp(column.baseAddress!, name.baseAddress!, name.count) == 0 { return true }
            }
            return textColumn(statement, index, is: UnsafeRawBufferPointer(name))
        }
    }

    /// `text(statement, index) == value.map { String(decoding: $0, as: UTF8.self) }`, without
    /// building strings unless one side is not ASCII.
    @inline(__always)
    static func envelopeColumn(_ statement: SQLiteStatement, _ index: CInt, is value: UnsafeRawBufferPointer?) -> Bool {
        guard let value else { return sqlite3_column_type(statement, index) == SQLITE_NULL }
        return textColumn(statement, index, is: value)
    }

    /// `text(statement, index) == String(decoding: value, as: UTF8.self)`: equal bytes are
    /// equal strings, and unequal ASCII bytes unequal strings; only when either side has a
    /// byte outside ASCII are the strings built and compared as Swift does (canonical
    /// equivalence, invalid UTF-8 repaired).
    static func textColumn(_ statement: SQLiteStatement, _ index: CInt, is value: UnsafeRawBufferPointer) -> Bool {
        guard sqlite3_column_type(statement, index) != SQLITE_NULL, let text = sqlite3_column_text(statement, index) else { return false }
        let column = UnsafeRawBufferPointer(start: text, count: strlen(UnsafeRawPointer(text).assumingMemoryBound(to: CChar.self)))
        if column.count == value.count, column.count == 0 || memcmp(column.baseAddress!, value.baseAddress!, column.count) == 0 {
            return true
        }
        if column.allSatisfy({ $0 < 0x80 }) && value.allSatisfy({ $0 < 0x80 }) { return false }
        return String(cString: text) == String(decoding: value, as: UTF8.self)
    }

    /// The index tables against the log only (the part of the audit that decisions rest on):
    /// what `serve`, `serve --once` and `ingest` check before taking anything. Reads only the
    /// events the tables mirror. Returns at most `maxFindings`, lowest index first.
    public func indexTableFindings(maxFindings: Int = 5) throws -> [LedgerAudit.Finding] {
        try pool.read { db in
            let list = Self.indexedKinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")
            var events: [Int: LedgerEvent] = [:]
            var findings: [LedgerAudit.Finding] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT idx, entry FROM log_entry WHERE kind IN (\(list))")
            while let row = try rows.next() {
                let index: Int = row["idx"]
                let entry: Data = row["entry"]
                if let event = LedgerEvent.parse(entry: [UInt8](entry)), Self.indexedKinds.contains(event.kind) {
                    events[index] = event
                } else {
                    findings.append(.init(code: "entry", index: index, message: "the entry is not a known event"))
                }
            }
            try Self.auditTables(db, events: events) { code, index, message in
                findings.append(.init(code: code, index: index, message: message))
            }
            return Array(findings.sorted { ($0.index ?? Int.max) < ($1.index ?? Int.max) }.prefix(maxFindings))
        }
    }

    /// Throws `tables-disagree` when the index tables and the log differ (`indexTableFindings`).
    public func requireIndexTablesAgree() throws {
        let findings = try indexTableFindings()
        guard let first = findings.first else { return }
        throw LedgerError("tables-disagree",
                          "the ledger's tables do not match its log (\(first)); they were written around the ledger. Nothing is taken until `intake verify` passes")
    }

    /// Events the envelope check or the index tables need in full.
    static func needsEvent(_ kind: LedgerEvent.Kind) -> Bool {
        switch kind {
        case .returnSuperseded: false
        default: true
        }
    }

    /// SHA-256 of the DER inside a PEM certificate, lowercase hex.
    static func pemFingerprint(_ pem: String) -> String? {
        let body = pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        return Base64.decode(body).map { SHA256.hex($0) }
    }

    /// Remembers what the index tables and the envelope check need from one event.
    private static func note(_ event: LedgerEvent, index: Int, into audit: inout LedgerAudit, events: inout [Int: LedgerEvent]) {
        switch event.kind {
        case .submissionAccepted, .submissionDuplicate, .submissionRejected:
            if let sha = event["envelopeSha256"]?.stringValue {
                audit.envelopes.append(.init(index: index, sha256: sha, inStore: event.kind != .submissionRejected,
                                             unopened: event["unopened"]?.boolValue == true,
                                             recordOnly: event["keptBytes"]?.intValue == 0,
                                             keptSha256: event["keptSha256"]?.stringValue))
            }
        default:
            break
        }
        if indexedKinds.contains(event.kind) { events[index] = event }
    }

    /// The events an index table mirrors (`auditTables` compares each with its row).
    static let indexedKinds: Set<LedgerEvent.Kind> = [
        .submissionAccepted, .agencyRegistered, .agencyCertificateAdded, .caseOpened, .agencyExpected, .meetingRecorded,
        .panelNotified, .dueDateSet, .returnOverdue, .meetingDueSoon, .panelDueSoon, .meetingOverdue, .panelOverdue,
        .packReleased, .scopingRequested,
    ]

    /// The index tables against the log: every row is backed by its event, every event has its row.
    private static func auditTables(_ db: Database, events: [Int: LedgerEvent], report: (String, Int?, String) -> Void) throws {
        func check(_ table: String, _ kinds: Set<LedgerEvent.Kind>, _ matches: (Row, LedgerEvent) -> Bool) throws {
            var seen = Set<Int>()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table)") {
                let index: Int = row["ledger_index"]
                seen.insert(index)
                guard let event = events[index], kinds.contains(event.kind), matches(row, event) else {
                    report("table-\(table)", index, "a \(table) row does not match the log's event at this index")
                    continue
                }
            }
            for (index, event) in events where kinds.contains(event.kind) && !seen.contains(index) {
                report("table-\(table)", index, "the log's \(event.kind.rawValue) event has no \(table) row")
            }
        }
        let string = { (event: LedgerEvent, key: String) in event[key]?.stringValue }
        try check("agency", [.agencyRegistered]) { row, event in
            row["id"] == string(event, "agencyId") && row["name"] == string(event, "agencyName")
        }
        try check("agency_certificate", [.agencyRegistered, .agencyCertificateAdded]) { row, event in
            let fingerprint: String = row["fingerprint"]
            return fingerprint == string(event, "certificateSha256") && row["agency_id"] == string(event, "agencyId")
                && pemFingerprint(row["pem"]) == fingerprint
        }
        try check("case_file", [.caseOpened]) { row, event in
            guard row["ref"] == string(event, "caseRef"), row["referred"] == string(event, "referred") else { return false }
            return Milestone.allCases.allSatisfy { milestone in
                (row["due_\(milestone.rawValue)"] as String?) == event["due"]?[milestone.rawValue]?.stringValue
            }
        }
        try check("case_agency", [.agencyExpected]) { row, event in
            row["case_ref"] == string(event, "caseRef") && row["agency_id"] == string(event, "agencyId")
        }
        try check("submission", [.submissionAccepted]) { row, event in
            let missing = event["missing"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",")
            return row["case_ref"] == string(event, "caseRef") && row["agency_id"] == string(event, "agencyId")
                && row["version"] == event["version"]?.intValue && row["envelope_sha256"] == string(event, "envelopeSha256")
                && row["content_sha256"] == string(event, "contentSha256") && row["complete"] == event["complete"]?.boolValue
                && row["received_at"] == string(event, "receivedAt") && row["channel"] == string(event, "channel")
                && row["missing"] == missing
        }
        try check("case_milestone", [.meetingRecorded, .panelNotified]) { row, event in
            let date = event.kind == .meetingRecorded ? string(event, "held") : string(event, "on")
            let detail = event.kind == .meetingRecorded ? string(event, "decision") : ""
            return row["case_ref"] == string(event, "caseRef") && row["kind"] == event.kind.rawValue
                && row["on_date"] == date && row["detail"] == detail
        }
        try check("case_due", [.dueDateSet]) { row, event in
            row["case_ref"] == string(event, "caseRef") && row["milestone"] == string(event, "milestone") && row["due"] == string(event, "due")
        }
        try check("case_alert", [.returnOverdue, .meetingDueSoon, .panelDueSoon, .meetingOverdue, .panelOverdue]) { row, event in
            row["case_ref"] == string(event, "caseRef") && row["kind"] == event.kind.rawValue && row["due"] == string(event, "due")
                && row["agency_id"] == (string(event, "agencyId") ?? "")
        }
        try check("case_request", [.scopingRequested]) { row, event in
            row["case_ref"] == string(event, "caseRef") && row["agency_id"] == string(event, "agencyId")
                && row["issued_at"] == event.at.rfc3339(milliseconds: true)
        }
        try check("pack", [.packReleased]) { row, event in
            let indices = event["returns"]?.arrayValue?.compactMap(\.intValue).map(String.init).joined(separator: ",")
            return row["case_ref"] == string(event, "caseRef") && row["number"] == event["pack"]?.intValue
                && row["sha256"] == string(event, "packSha256") && row["return_indices"] == indices
                && row["override"] == event["override"]?.boolValue && row["released_at"] == event.at.rfc3339(milliseconds: true)
        }
    }
}
