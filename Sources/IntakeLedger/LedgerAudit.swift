public import IntakeCore
import Foundation
import GRDB

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
/// It streams the log once: memory stays O(log n) for the tree.
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
    /// lives in the shell); `extraCheckpoints` are checkpoints exported earlier. Stops
    /// collecting after `maxFindings`.
    public func audit(isSigned: (SignedNote) -> Bool, extraCheckpoints: [SignedNote] = [],
                      maxFindings: Int = 20) throws -> LedgerAudit {
        try pool.read { db in
            var audit = LedgerAudit()
            func report(_ code: String, _ index: Int?, _ message: String) {
                if audit.findings.count < maxFindings { audit.findings.append(.init(code: code, index: index, message: message)) }
            }

            // Checkpoints to meet on the way: stored ones, and extra ones by size.
            let stored = try Row.fetchAll(db, sql: "SELECT tree_size, root_hash, note FROM checkpoint ORDER BY tree_size")
            var extra: [Int: [SignedNote]] = [:]
            for note in extraCheckpoints {
                guard isSigned(note), let body = try? Checkpoint.parse(note.text), body.origin == origin else {
                    report("bad-exported-checkpoint", nil, "an exported checkpoint is not signed by the ledger key for origin \(origin)")
                    continue
                }
                extra[body.size, default: []].append(note)
            }
            var storedIterator = stored.makeIterator()
            var nextStored = storedIterator.next()

            var stack: [(level: Int, hash: [UInt8])] = []
            var expected = 0
            var nodeCount = 0
            var events: [Int: LedgerEvent] = [:]  // only those the index tables must match
            let cursor = try Row.fetchCursor(db, sql: "SELECT idx, kind, entry, leaf_hash, envelope_sha256 FROM log_entry ORDER BY idx")

            func root() -> [UInt8] {
                guard var hash = stack.last?.hash else { return MerkleHashing.emptyRoot }
                for item in stack.dropLast().reversed() { hash = MerkleHashing.nodeHash(item.hash, hash) }
                return hash
            }

            func checkCheckpoints(at size: Int) {
                while let row = nextStored, (row["tree_size"] as Int) <= size {
                    let rowSize: Int = row["tree_size"]
                    nextStored = storedIterator.next()
                    audit.checkpointsChecked += 1
                    guard rowSize == size else {
                        report("checkpoint-without-tree", rowSize - 1, "a checkpoint of size \(rowSize) but the log has no such prefix")
                        continue
                    }
                    let computed = root()
                    let note = try? SignedNote.parse(row["note"] as String)
                    let body = note.flatMap { try? Checkpoint.parse($0.text) }
                    if [UInt8](row["root_hash"] as Data) != computed || body?.rootHash != computed || body?.size != size {
                        report("checkpoint-root", size - 1, "the checkpoint at size \(size) does not match the tree recomputed from the entries")
                    } else if body?.origin != origin || note.map(isSigned) != true {
                        report("checkpoint-signature", size - 1, "the checkpoint at size \(size) is not signed by the ledger key for origin \(origin)")
                    }
                }
                for note in extra[size] ?? [] where (try? Checkpoint.parse(note.text))?.rootHash != root() {
                    report("exported-checkpoint-inconsistent", size - 1,
                           "an exported checkpoint of size \(size) does not match this ledger: it was rolled back, forked or altered")
                }
                extra[size] = nil
            }

            while let row = try cursor.next() {
                let index: Int = row["idx"]
                if index != expected {
                    report("missing-entry", expected, "entries \(expected)..<\(index) are missing")
                    break
                }
                let entry = [UInt8](row["entry"] as Data)
                let leaf = MerkleHashing.leafHash(entry)
                if [UInt8](row["leaf_hash"] as Data) != leaf {
                    report("leaf-hash", index, "the stored leaf hash is not SHA-256(0x00 || entry)")
                }
                if let event = LedgerEvent.parse(entry: entry), event.entry == entry, event.kind.rawValue == row["kind"] as String,
                   (row["envelope_sha256"] as String?) == event["envelopeSha256"]?.stringValue {
                    Self.note(event, index: index, into: &audit, events: &events)
                } else {
                    report("entry", index, "the entry is not the canonical JSON of a known event")
                }
                // Fold the leaf into the compact range, checking each node that completes.
                stack.append((0, leaf))
                var completedIndex = index
                while stack.count >= 2, stack[stack.count - 1].level == stack[stack.count - 2].level {
                    let right = stack.removeLast(), left = stack.removeLast()
                    let hash = MerkleHashing.nodeHash(left.hash, right.hash)
                    let id = NodeID(level: left.level + 1, index: completedIndex >> 1)
                    completedIndex >>= 1
                    nodeCount += 1
                    let storedNode = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM log_node WHERE level = ? AND idx = ?"),
                                                       arguments: [id.level, id.index])
                    if storedNode.map({ [UInt8]($0) }) != hash {
                        report("node", id.index << id.level, "the stored node \(id) does not match its recomputed hash")
                    }
                    stack.append((id.level, hash))
                }
                expected = index + 1
                checkCheckpoints(at: expected)
            }
            audit.treeSize = expected
            audit.rootHash = root()
            if let row = nextStored {
                report("checkpoint-beyond-log", nil, "a checkpoint of size \(row["tree_size"] as Int) is beyond the log's \(expected) entries: entries were removed")
            }
            for size in extra.keys.sorted() where size > expected {
                report("exported-checkpoint-beyond-log", nil,
                       "an exported checkpoint of size \(size) is beyond the log's \(expected) entries: the ledger was rolled back or truncated")
            }
            let storedNodes = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM log_node") ?? 0
            if storedNodes != nodeCount {
                report("extra-nodes", nil, "\(storedNodes) nodes are stored where the tree has \(nodeCount)")
            }
            if expected > 0, stored.isEmpty { report("no-checkpoint", nil, "the log has entries but no signed checkpoint") }
            try Self.auditTables(db, events: events, report: report)
            return audit
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
                                             unopened: event["unopened"]?.boolValue == true))
            }
        default:
            break
        }
        switch event.kind {
        case .submissionAccepted, .agencyRegistered, .agencyCertificateAdded, .caseOpened, .agencyExpected,
             .meetingRecorded, .panelNotified:
            events[index] = event
        default:
            break
        }
    }

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
    }
}
