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
    /// lives in the shell); `extraCheckpoints` are checkpoints exported earlier. Returns at
    /// most `maxFindings`, lowest index first.
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
            var computed: [[UInt8]] = []  // level 1, 2, …: the recomputed nodes' hashes, concatenated
            var badLeaves = Set<NodeID>()  // leaves whose stored hash is wrong (reported as such)
            let hasher = SHA256Hasher()
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
                let index: Int = row[0]  // SELECT idx, kind, entry, leaf_hash, envelope_sha256
                if index != expected {
                    report("missing-entry", expected, "entries \(expected)..<\(index) are missing")
                    break
                }
                // The entry is hashed and checked canonical where SQLite holds it; it is parsed
                // into an event only when the tables or the envelope check need one, or when the
                // fast scanner cannot decide.
                var fast: FastEntry?
                let leaf = try row.withUnsafeData(atIndex: 2) { data -> [UInt8] in
                    (data ?? Data()).withUnsafeBytes { raw in
                        fast = Self.scan(raw)
                        return hasher.leafHash(raw)
                    }
                }
                if try !row.withUnsafeData(atIndex: 3, { Self.equal($0, leaf[...]) }) {
                    badLeaves.insert(NodeID(level: 0, index: index))
                    report("leaf-hash", index, "the stored leaf hash is not SHA-256(0x00 || entry)")
                }
                let kindColumn: String = row[1]
                let envelopeColumn: String? = row[4]
                if let fast, fast.canonical, let kind = fast.kind, kind.rawValue == kindColumn,
                   fast.envelopeSha256 == envelopeColumn, !Self.needsEvent(kind) {
                    // A known, canonical event that nothing else needs: checked.
                } else if fast?.canonical != false,
                          let entry = try row.withUnsafeData(atIndex: 2, { $0.map { [UInt8]($0) } }),
                          let json = try? JSONParser.parse(entry), CanonicalJSON.encode(json) == entry,
                          let event = LedgerEvent.parse(json: json), event.kind.rawValue == kindColumn,
                          envelopeColumn == event["envelopeSha256"]?.stringValue {
                    Self.note(event, index: index, into: &audit, events: &events)
                } else {
                    report("entry", index, "the entry is not the canonical JSON of a known event")
                }
                // Fold the leaf into the compact range; each node that completes is kept (by
                // level, in index order) to be compared with the stored nodes in one pass below.
                stack.append((0, leaf))
                while stack.count >= 2, stack[stack.count - 1].level == stack[stack.count - 2].level {
                    let right = stack.removeLast(), left = stack.removeLast()
                    let hash = MerkleHashing.nodeHash(left.hash, right.hash)
                    let level = left.level + 1
                    if computed.count < level { computed.append([]) }
                    computed[level - 1].append(contentsOf: hash)
                    nodeCount += 1
                    stack.append((level, hash))
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
            // The stored nodes, in their clustered (level, idx) order, against the recomputed ones.
            // Only the lowest bad nodes are reported (those whose children were fine): they
            // locate the damage; every node above them differs as a consequence.
            var storedNodes = 0
            var bad = badLeaves
            let nodes = try Row.fetchCursor(db, sql: "SELECT level, idx, hash FROM log_node ORDER BY level, idx")
            while let row = try nodes.next() {
                storedNodes += 1
                let level: Int = row[0], nodeIndex: Int = row[1]
                let offset = nodeIndex * 32
                var matches = false
                if level >= 1, level <= computed.count, offset >= 0, offset + 32 <= computed[level - 1].count {
                    let expected: ArraySlice<UInt8> = computed[level - 1][offset..<(offset + 32)]
                    matches = try row.withUnsafeData(atIndex: 2) { Self.equal($0, expected) }
                }
                if !matches {
                    let id = NodeID(level: level, index: nodeIndex)
                    bad.insert(id)
                    let childBad = level >= 1 && (bad.contains(NodeID(level: level - 1, index: nodeIndex * 2))
                        || bad.contains(NodeID(level: level - 1, index: nodeIndex * 2 + 1)))
                    if !childBad { report("node", nodeIndex << max(level, 0), "the stored node \(id) does not match its recomputed hash") }
                }
            }
            if storedNodes != nodeCount {
                report("extra-nodes", nil, "\(storedNodes) nodes are stored where the tree has \(nodeCount)")
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

    /// What the fast scan learnt of an entry: canonical or not (nil: unsure), and its kind,
    /// time and envelope hash when it is a canonical object.
    struct FastEntry {
        var canonical: Bool
        var kind: LedgerEvent.Kind?
        var envelopeSha256: String?
    }

    static func scan(_ raw: UnsafeRawBufferPointer) -> FastEntry? {
        var kind: LedgerEvent.Kind?, atValid = false, envelope: String?
        let verdict = CanonicalScanner.check(raw) { name, range in
            switch name.count {
            case 4 where name.elementsEqual("kind".utf8):
                kind = LedgerEvent.Kind(rawValue: String(decoding: raw[range], as: UTF8.self))
            case 2 where name.elementsEqual("at".utf8):
                atValid = UTCInstant(rfc3339: String(decoding: raw[range], as: UTF8.self)) != nil
            case 14 where name.elementsEqual("envelopeSha256".utf8):
                envelope = String(decoding: raw[range], as: UTF8.self)
            default:
                break
            }
        }
        switch verdict {
        case .unsure: return nil
        case .notCanonical: return FastEntry(canonical: false)
        case .canonical: return FastEntry(canonical: kind != nil && atValid, kind: kind, envelopeSha256: envelope)
        }
    }

    /// Events the envelope check or the index tables need in full.
    static func needsEvent(_ kind: LedgerEvent.Kind) -> Bool {
        switch kind {
        case .returnSuperseded: false
        default: true
        }
    }

    /// Byte equality of a column's bytes and a hash, without iterating `Data` byte by byte.
    static func equal(_ data: Data?, _ bytes: ArraySlice<UInt8>) -> Bool {
        guard let data, data.count == bytes.count else { return false }
        return data.withUnsafeBytes { stored in bytes.withUnsafeBytes { memcmp(stored.baseAddress!, $0.baseAddress!, bytes.count) == 0 } }
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
