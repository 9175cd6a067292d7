import Foundation
import GRDB
import IntakeCore
import IntakeCrypto
@testable import IntakeLedger
import Testing

// MARK: - Fixtures

/// A ledger in its own temporary directory, signed by a fresh Ed25519 ledger key.
struct LedgerFixture {
    static let origin = "intake.test/rapid-review"
    let directory: URL
    let path: String
    let signer: Ed25519NoteSigner
    let ledger: Ledger

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("intake-ledger-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("ledger.sqlite").path
        signer = try Ed25519NoteSigner(name: "intake.test/ledger", key: PrivateKey.generate(.ed25519))
        ledger = try Ledger(path: path, origin: Self.origin, signer: signer)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Monday 2 March 2026, the referral date of the test case.
private let referral = LocalDate(year: 2026, month: 3, day: 2)!
private let caseRef = "RR-2026-014"
private let calendar = WorkingCalendar(holidays: .embedded())

/// An instant `seconds` after 09:00 UTC on the referral day, with whole milliseconds (so it
/// survives the ledger's RFC 3339 millisecond text unchanged).
private func instant(_ seconds: Int) -> UTCInstant {
    UTCInstant(secondsSinceEpoch: Int64(referral.daysSinceEpoch * 86_400 + 9 * 3600 + seconds), nanoseconds: 250_000_000)
}

private func sha256Hex(_ text: String) -> String {
    Hex.encode(SHA256.hash(Array(text.utf8)))
}

/// A stand-in certificate: the ledger stores the PEM text and the fingerprint as given.
private func certificate(_ label: String) -> (pem: String, fingerprint: String) {
    ("-----BEGIN CERTIFICATE-----\n\(Base64.encode(Array(label.utf8)))\n-----END CERTIFICATE-----\n", sha256Hex("cert:" + label))
}

private func facts(_ label: String, at: UTCInstant, channel: String = "drop") -> SubmissionFacts {
    SubmissionFacts(channel: channel, envelopeSha256: sha256Hex("envelope:" + label), size: 4096 + label.utf8.count,
                    receivedAt: at)
}

private let authorName = "Alex Example"
private let signOffName = "Sam Specimen"

/// A `scoping-return/v1` document. Complete: signed off, not involved, records secured.
/// Incomplete: no sign-off and no records secured. `revision` changes the content hash.
private func returnBytes(caseRef: String = caseRef, agencyId: String, complete: Bool = true, revision: Int = 1) -> [UInt8] {
    var members = [
        #""schema": "scoping-return/v1""#,
        #""caseRef": "\#(caseRef)""#,
        #""agencyId": "\#(agencyId)""#,
        #""author": {"name": "\#(authorName)", "role": "Designated Safeguarding Lead"}"#,
        #""involvement": {"status": "not-involved"}"#,
        #""learning": "Revision \#(revision): nothing further to add.""#,
    ]
    if complete {
        members.append(#""signOff": {"name": "\#(signOffName)", "role": "Head of Safeguarding", "date": "2026-03-05"}"#)
        members.append(#""recordsSecured": {"secured": true, "securedOn": "2026-03-04"}"#)
    }
    return Array(("{\n  " + members.joined(separator: ",\n  ") + "\n}\n").utf8)
}

/// An opened return as the crypto shell would hand it over: content hash, signer hash and the
/// agency the signer is pinned to.
private func opened(_ bytes: [UInt8], signedBy agency: String?) -> OpenedReturn {
    OpenedReturn(contentSha256: Hex.encode(SHA256.hash(bytes)),
                 signerSha256: certificate(agency ?? "stranger").fingerprint,
                 signerAgency: agency, verdict: ScopingReturn.validate(bytes: bytes))
}

/// The code of the `LedgerError` that `body` throws; nil when it throws nothing.
private func ledgerErrorCode(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as LedgerError {
        return error.code
    } catch {
        return "not a LedgerError: \(error)"
    }
}

private struct PersistFailure: Error {}

// MARK: - Reading the stored log back

private struct StoredCheckpoint: Sendable {
    var size: Int
    var root: [UInt8]
    var note: String
    var signedAt: String
}

private struct StoredLog: Sendable {
    var entries: [[UInt8]] = []
    var kinds: [String] = []
    var leafHashes: [[UInt8]] = []
    var envelopeHashes: [String?] = []
    var inputKeys: [String?] = []
    var nodes: [NodeID: [UInt8]] = [:]
    var checkpoints: [StoredCheckpoint] = []

    var events: [LedgerEvent] { entries.compactMap(LedgerEvent.parse(entry:)) }
}

private func storedLog(_ ledger: Ledger) throws -> StoredLog {
    try ledger.read { db in
        var log = StoredLog()
        for row in try Row.fetchAll(db, sql: "SELECT * FROM log_entry ORDER BY idx") {
            let index: Int = row["idx"]
            guard index == log.entries.count else { throw LedgerError("test", "log_entry indices are not 0, 1, 2, ...") }
            log.entries.append([UInt8](row["entry"] as Data))
            log.kinds.append(row["kind"])
            log.leafHashes.append([UInt8](row["leaf_hash"] as Data))
            log.envelopeHashes.append(row["envelope_sha256"])
            log.inputKeys.append(row["input_key"])
        }
        for row in try Row.fetchAll(db, sql: "SELECT level, idx, hash FROM log_node") {
            log.nodes[NodeID(level: row["level"], index: row["idx"])] = [UInt8](row["hash"] as Data)
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM checkpoint ORDER BY tree_size") {
            log.checkpoints.append(StoredCheckpoint(size: row["tree_size"], root: [UInt8](row["root_hash"] as Data),
                                                    note: row["note"], signedAt: row["signed_at"]))
        }
        return log
    }
}

private func event(_ ledger: Ledger, at index: Int) throws -> LedgerEvent? {
    try ledger.entry(at: index).flatMap(LedgerEvent.parse(entry:))
}

private func count(_ table: String, _ ledger: Ledger) throws -> Int {
    try ledger.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
}

/// Everything the ledger promises about its Merkle log, checked from first principles:
/// contiguous leaves whose hashes are SHA-256(0x00 || entry) of canonical event JSON; exactly
/// the perfect-subtree nodes `MerkleTree.nodesCompleted` names, with the RFC 9162 hashes;
/// the root of every size; and every checkpoint a note signed by the ledger key whose body is
/// a `Checkpoint` of the right origin, size and root.
private func expectConsistentLog(_ fixture: LedgerFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let log = try storedLog(fixture.ledger)
    let size = log.entries.count
    #expect(try fixture.ledger.treeSize() == size, sourceLocation: sourceLocation)
    for (index, entry) in log.entries.enumerated() {
        #expect(log.leafHashes[index] == MerkleHashing.leafHash(entry), "leaf \(index)", sourceLocation: sourceLocation)
        let event = try #require(LedgerEvent.parse(entry: entry), "leaf \(index) parses", sourceLocation: sourceLocation)
        #expect(event.kind.rawValue == log.kinds[index], sourceLocation: sourceLocation)
        #expect(event.entry == entry, "leaf \(index) is canonical JSON", sourceLocation: sourceLocation)
        #expect(log.envelopeHashes[index] == event["envelopeSha256"]?.stringValue, sourceLocation: sourceLocation)
    }
    var expectedNodes: [NodeID: [UInt8]] = [:]
    for leaf in 0..<size {
        for id in MerkleTree.nodesCompleted(byAppendingLeafAt: leaf) {
            expectedNodes[id] = MerkleTree.root(leafHashes: Array(log.leafHashes[id.firstLeaf..<id.endLeaf]))
        }
    }
    #expect(log.nodes == expectedNodes, "stored nodes", sourceLocation: sourceLocation)
    for prefix in 0...size {
        #expect(try fixture.ledger.rootHash(size: prefix) == MerkleTree.root(leafHashes: Array(log.leafHashes.prefix(prefix))),
                "root of size \(prefix)", sourceLocation: sourceLocation)
    }
    for checkpoint in log.checkpoints {
        #expect(checkpoint.size >= 1 && checkpoint.size <= size, sourceLocation: sourceLocation)
        let reference = MerkleTree.root(leafHashes: Array(log.leafHashes.prefix(checkpoint.size)))
        #expect(checkpoint.root == reference, "checkpoint \(checkpoint.size) root", sourceLocation: sourceLocation)
        let note = try SignedNote.parse(checkpoint.note)
        #expect(note.signatures.count == 1, sourceLocation: sourceLocation)
        #expect(note.isSigned(by: fixture.signer.verifierKey), "checkpoint \(checkpoint.size) signed", sourceLocation: sourceLocation)
        let body = try Checkpoint.parse(note.text)
        #expect(body.origin == LedgerFixture.origin, sourceLocation: sourceLocation)
        #expect(body.size == checkpoint.size, sourceLocation: sourceLocation)
        #expect(body.rootHash == reference, sourceLocation: sourceLocation)
        #expect(body.extensions.isEmpty, sourceLocation: sourceLocation)
        #expect(UTCInstant(rfc3339: checkpoint.signedAt) != nil, sourceLocation: sourceLocation)
    }
    let latest = try fixture.ledger.latestCheckpoint()
    if size == 0 {
        #expect(latest == nil, sourceLocation: sourceLocation)
    } else {
        #expect(latest?.size == size, "the latest checkpoint covers the whole log", sourceLocation: sourceLocation)
        #expect(latest?.note == log.checkpoints.last?.note, sourceLocation: sourceLocation)
    }
}

/// A ledger with agencies `police`, `health` and `school` registered and case RR-2026-014
/// referred on 2 March 2026, expecting `police` and `health` (not `school`).
private func fixtureWithCase(agencies: [String] = ["police", "health"]) throws -> LedgerFixture {
    let fixture = try LedgerFixture()
    for (offset, agency) in ["police", "health", "school"].enumerated() {
        let cert = certificate(agency)
        try fixture.ledger.registerAgency(id: agency, name: agency.capitalized, certificatePEM: cert.pem,
                                          fingerprint: cert.fingerprint, at: instant(offset))
    }
    try fixture.ledger.openCase(ref: caseRef, referred: referral, agencies: agencies, at: instant(10))
    return fixture
}

/// Records `opened`, returning what was recorded and every disposition `persist` received.
private func record(_ fixture: LedgerFixture, _ opened: OpenedReturn, label: String, inputKey: String? = nil,
                    at: UTCInstant = instant(100)) throws -> (Ledger.Recorded, [Disposition]) {
    var calls: [Disposition] = []
    let recorded = try fixture.ledger.recordOpened(opened, facts: facts(label, at: at), inputKey: inputKey, at: at) {
        calls.append($0)
    }
    return (recorded, calls)
}

// MARK: - The Merkle log

@Suite struct LedgerMerkleLogTests {
    static let batchPatterns: [[Int]] = [
        Array(repeating: 1, count: 40),
        [40],
        [2, 3, 5, 7, 11, 12],
        [8, 8, 8, 8, 8],
        [1, 2, 4, 8, 16, 9],
        [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 1],
        [7, 7, 7, 7, 7, 5],
        [31, 1, 8],
    ]

    @Test func emptyLedger() throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        #expect(try fixture.ledger.treeSize() == 0)
        #expect(try fixture.ledger.rootHash(size: 0) == MerkleHashing.emptyRoot)
        #expect(try fixture.ledger.latestCheckpoint() == nil)
        #expect(try fixture.ledger.entry(at: 0) == nil)
        #expect(try fixture.ledger.agencies().isEmpty)
        #expect(try fixture.ledger.caseRecords().isEmpty)
        #expect(ledgerErrorCode { _ = try fixture.ledger.rootHash(size: 1) } == "missing-node")
        try expectConsistentLog(fixture)
    }

    /// Every batch stores exactly the nodes `MerkleTree.nodesCompleted` names for its leaves,
    /// leaves earlier nodes alone, and adds one checkpoint; the root of every size 1...40
    /// equals the RFC 9162 recursion over the leaf hashes.
    @Test(arguments: batchPatterns)
    func appendsStoreExactlyTheCompletedNodes(batches: [Int]) throws {
        #expect(batches.reduce(0, +) == 40)
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        let ledger = fixture.ledger
        var size = 0
        for (batchNumber, count) in batches.enumerated() {
            let before = try storedLog(ledger)
            let now = instant(batchNumber)
            let events = (size..<(size + count)).map {
                LedgerEvent.agencyExpected(caseRef: "RR-2026-\($0)", agencyId: "agency-\($0)", at: now)
            }
            let indices = try ledger.pool.write { db in try ledger.append(events, db, at: now) }
            #expect(indices == Array(size..<(size + count)))
            let after = try storedLog(ledger)
            #expect(after.entries.count == size + count)
            #expect(Array(after.entries.suffix(count)) == events.map(\.entry))
            let expected = Set((size..<(size + count)).flatMap { MerkleTree.nodesCompleted(byAppendingLeafAt: $0) })
            #expect(Set(after.nodes.keys).subtracting(before.nodes.keys) == expected)
            #expect(after.nodes.count == before.nodes.count + expected.count)
            for (id, hash) in before.nodes { #expect(after.nodes[id] == hash, "node \(id) unchanged") }
            #expect(after.checkpoints.count == before.checkpoints.count + 1)
            let checkpoint = try #require(after.checkpoints.last)
            #expect(checkpoint.size == size + count)
            #expect(UTCInstant(rfc3339: checkpoint.signedAt) == now)
            #expect(checkpoint.root == MerkleTree.root(leafHashes: after.leafHashes))
            size += count
        }
        let log = try storedLog(ledger)
        for n in 1...40 {
            #expect(try ledger.rootHash(size: n) == MerkleTree.root(leafHashes: Array(log.leafHashes.prefix(n))), "size \(n)")
        }
        #expect(log.checkpoints.map(\.size) == batches.indices.map { batches[...($0)].reduce(0, +) })
        try expectConsistentLog(fixture)
    }

    /// A ledger reopened with the same key continues the same tree from its stored nodes.
    @Test func reopenedLedgerContinuesTheTree() throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        for leaf in 0..<5 {
            try fixture.ledger.registerAgency(id: "agency-\(leaf)", name: "Agency \(leaf)", certificatePEM: certificate("\(leaf)").pem,
                                              fingerprint: certificate("\(leaf)").fingerprint, at: instant(leaf))
        }
        do {
            let reopened = try Ledger(path: fixture.path, origin: LedgerFixture.origin, signer: fixture.signer)
            #expect(try reopened.treeSize() == 5)
            for leaf in 5..<12 {
                try reopened.registerAgency(id: "agency-\(leaf)", name: "Agency \(leaf)", certificatePEM: certificate("\(leaf)").pem,
                                            fingerprint: certificate("\(leaf)").fingerprint, at: instant(leaf))
            }
        }
        #expect(try fixture.ledger.treeSize() == 12)
        try expectConsistentLog(fixture)
    }

    @Test func checkpointsAreSignedByTheLedgerKeyOnly() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let other = try Ed25519NoteSigner(name: "intake.test/ledger", key: PrivateKey.generate(.ed25519))
        let latest = try #require(try fixture.ledger.latestCheckpoint())
        let note = try SignedNote.parse(latest.note)
        #expect(note.isSigned(by: fixture.signer.verifierKey))
        #expect(!note.isSigned(by: other.verifierKey))
        let body = try Checkpoint.parse(note.text)
        #expect(body == (try Checkpoint(origin: LedgerFixture.origin, size: 6, rootHash: try fixture.ledger.rootHash(size: 6))))
        #expect(latest.size == 6)  // three agencies, a case and two expected agencies
        try expectConsistentLog(fixture)
    }

    /// Every table refuses UPDATE and DELETE, through any connection, and the data survives.
    @Test func everyTableIsAppendOnly() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        _ = try record(fixture, opened(returnBytes(agencyId: "police"), signedBy: "police"), label: "p1")
        try fillIssueFiveTables(fixture)
        try fixture.ledger.recordMeeting(ref: caseRef, held: referral.adding(days: 10), decision: "no-review", at: instant(200))
        let tables = try fixture.ledger.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table'
                AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name
                """)
        }
        #expect(Set(tables) == ["log_entry", "log_node", "checkpoint", "agency", "agency_certificate", "case_file",
                                "case_agency", "submission", "case_milestone", "case_due", "case_alert", "pack", "case_request"])
        let before = try storedLog(fixture.ledger)
        let raw = try DatabaseQueue(path: fixture.path)
        for table in tables {
            let rows = try count(table, fixture.ledger)
            #expect(rows > 0, "\(table) has rows for the triggers to guard")
            let column: String = try raw.read { db in
                try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").last?["name"] ?? ""
            }
            let update = #expect(throws: DatabaseError.self, "UPDATE \(table)") {
                try raw.write { db in try db.execute(sql: "UPDATE \(table) SET \(column) = \(column)") }
            }
            #expect(update?.message?.contains("append-only") == true, "UPDATE \(table): \(String(describing: update))")
            let delete = #expect(throws: DatabaseError.self, "DELETE \(table)") {
                try raw.write { db in try db.execute(sql: "DELETE FROM \(table)") }
            }
            #expect(delete?.message?.contains("append-only") == true, "DELETE \(table): \(String(describing: delete))")
            #expect(try count(table, fixture.ledger) == rows)
        }
        let after = try storedLog(fixture.ledger)
        #expect(after.entries == before.entries)
        #expect(after.nodes == before.nodes)
        #expect(after.checkpoints.map(\.note) == before.checkpoints.map(\.note))
        try expectConsistentLog(fixture)
    }
}

/// A row in each table of migration v2: a changed due date, an alert and a pack.
private func fillIssueFiveTables(_ fixture: LedgerFixture) throws {
    try fixture.ledger.setDue(ref: caseRef, milestone: .returns, due: referral.adding(days: 9), at: instant(150))
    try fixture.ledger.recordAlerts([DeadlineAlert(kind: .returnOverdue, caseRef: caseRef, agencyId: "health", due: referral.adding(days: 9))],
                                    at: instant(160))
    try fixture.ledger.recordPack(ref: caseRef, number: 1, sha256: String(repeating: "ab", count: 32), returnIndices: [6],
                                  recipients: [], missing: ["health"], overrideReason: "test", at: instant(170))
    try fixture.ledger.recordScopingRequests(ref: caseRef, requests: [("police", referral.adding(days: 9), String(repeating: "cd", count: 32))],
                                             at: instant(180))
}

extension LedgerMerkleLogTests {
    /// `INSERT OR REPLACE` deletes the row it replaces; SQLite fires DELETE triggers for
    /// that only with `recursive_triggers` on, which the ledger's own connections must set.
    @Test func replaceCannotRewriteARowThroughTheLedger() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        _ = try record(fixture, opened(returnBytes(agencyId: "police"), signedBy: "police"), label: "p1")
        try fillIssueFiveTables(fixture)
        try fixture.ledger.recordMeeting(ref: caseRef, held: referral.adding(days: 10), decision: "no-review", at: instant(200))
        let before = try storedLog(fixture.ledger)
        for table in Migrations.appendOnlyTables + Migrations.v2Tables + Migrations.laterTables.sorted() {
            #expect(try count(table, fixture.ledger) > 0, "\(table)")
            let error = #expect(throws: DatabaseError.self, "REPLACE \(table)") {
                try fixture.ledger.pool.write { db in
                    try db.execute(sql: "INSERT OR REPLACE INTO \(table) SELECT * FROM \(table) LIMIT 1")
                }
            }
            #expect(error?.message?.contains("append-only") == true, "REPLACE \(table): \(String(describing: error))")
        }
        #expect(try storedLog(fixture.ledger).entries == before.entries)
        try expectConsistentLog(fixture)
    }
}

extension LedgerMerkleLogTests {
    /// Issue 12, item 7: what `sqlite3` can do to the file with no trigger dropped. A REPLACE
    /// (no DELETE trigger fires without `recursive_triggers`) re-pinning health's certificate
    /// to police, a plain INSERT moving a deadline, and a log entry past the end are refused.
    @Test func aRawConnectionCannotRePinMoveADeadlineOrLeaveAGap() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        try fillIssueFiveTables(fixture)
        let before = try fixture.ledger.indexTableFindings()
        let raw = try DatabaseQueue(path: fixture.path)  // recursive_triggers off, as in sqlite3
        func refused(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = #expect(throws: DatabaseError.self, "\(sql)", sourceLocation: sourceLocation) {
                try raw.write { db in try db.execute(sql: sql) }
            }
            #expect(error?.message?.contains("intake ledger") == true, "\(String(describing: error))", sourceLocation: sourceLocation)
        }
        let policeIndex = try #require(try raw.read { try Int.fetchOne($0, sql: "SELECT ledger_index FROM agency WHERE id = 'police'") })
        refused("""
            INSERT OR REPLACE INTO agency_certificate (fingerprint, agency_id, pem, ledger_index)
            SELECT fingerprint, 'police', pem, \(policeIndex) FROM agency_certificate WHERE agency_id = 'health'
            """)
        // A new pin for a certificate no event names, under police's registration.
        refused("INSERT INTO agency_certificate (fingerprint, agency_id, pem, ledger_index) VALUES ('\(String(repeating: "cd", count: 32))', 'police', 'x', \(policeIndex))")
        let opened = try #require(try raw.read { try Int.fetchOne($0, sql: "SELECT idx FROM log_entry WHERE kind = 'case-opened'") })
        refused("INSERT INTO case_due (ledger_index, case_ref, milestone, due) VALUES (\(opened), '\(caseRef)', 'returns', '2027-01-01')")
        refused("INSERT OR REPLACE INTO case_due SELECT ledger_index, case_ref, milestone, '2027-01-01' FROM case_due")
        refused("INSERT OR REPLACE INTO case_file SELECT ref, referred, due_requests, '2027-01-01', due_meeting, due_panel, ledger_index FROM case_file")
        refused("INSERT INTO log_entry (idx, kind, entry, leaf_hash) SELECT MAX(idx) + 5, kind, entry, leaf_hash FROM log_entry")
        refused("INSERT OR REPLACE INTO log_entry SELECT * FROM log_entry WHERE idx = 0")
        try raw.close()
        #expect(try fixture.ledger.agencyId(forCertificate: certificate("health").fingerprint) == "health")
        // (The fixture's made-up PEMs do not hash to their fingerprints: those findings were there before.)
        #expect(try fixture.ledger.indexTableFindings() == before)
        try expectConsistentLog(fixture)
    }

    /// With the triggers dropped the rows can be written, but no decision trusts them: the pin
    /// and the deadline are read against their events, and the tables check names the row.
    @Test func rowsWrittenAroundTheLedgerAreNotTrusted() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        try fillIssueFiveTables(fixture)
        let raw = try DatabaseQueue(path: fixture.path)
        let police = try #require(try raw.read { try Int.fetchOne($0, sql: "SELECT ledger_index FROM agency WHERE id = 'police'") })
        try raw.write { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: "UPDATE agency_certificate SET agency_id = 'police', ledger_index = \(police) WHERE agency_id = 'health'")
            try db.execute(sql: "UPDATE case_due SET due = '2027-01-01'")
        }
        try raw.close()
        let pin = #expect(throws: LedgerError.self) { try fixture.ledger.agencyId(forCertificate: certificate("health").fingerprint) }
        #expect(pin?.code == "tables-disagree")
        let due = #expect(throws: LedgerError.self) { try fixture.ledger.caseRecord(caseRef) }
        #expect(due?.code == "tables-disagree")
        let findings = try fixture.ledger.indexTableFindings()
        #expect(Set(findings.map(\.code)) == ["table-agency_certificate", "table-case_due"], "\(findings)")
        let refused = #expect(throws: LedgerError.self) { try fixture.ledger.requireIndexTablesAgree() }
        #expect(refused?.code == "tables-disagree")
    }
}

// MARK: - Agencies

/// A SQLite failure that means the disk is failing carries the code the daemon reports
/// storage failures with (a full disk here: the database may not grow past its pages).
@Suite struct LedgerStorageErrorTests {
    @Test func aFullDatabaseIsDiskFull() throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        try fixture.ledger.pool.write { db in
            try db.execute(sql: "PRAGMA max_page_count = \(try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1)")
        }
        let event = LedgerEvent(.returnSuperseded, at: instant(1), [
            "caseRef": .string(caseRef), "agencyId": .string("police"), "version": .int(1), "supersededBy": .int(2),
            "padding": .string(String(repeating: "x", count: 20_000)),
        ])
        do {
            try fixture.ledger.appendBulk(Array(repeating: event, count: 20), at: instant(2))
            Issue.record("a database at its page limit took more")
        } catch {
            #expect(LedgerError.storageCode(of: error) == "disk-full", "\(error)")
        }
        #expect(LedgerError.storageCode(of: LedgerError("missing-node", "not storage")) == nil)
        #expect(try fixture.ledger.treeSize() == 0)
    }
}

/// A committed event must survive power loss: every connection, the writer above all, runs
/// with `synchronous = FULL`, so that each commit fsyncs the WAL (GRDB sets NORMAL on a pool's
/// writer when it turns WAL on, after `prepareDatabase`).
@Suite struct LedgerDurabilityTests {
    @Test func everyConnectionCommitsWithSynchronousFull() throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        let full = 2  // PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
        #expect(try fixture.ledger.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == full)
        #expect(try fixture.ledger.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == full)
        #expect(try fixture.ledger.pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        // And when an existing ledger is opened again.
        let again = try Ledger(path: fixture.path, origin: LedgerFixture.origin, signer: fixture.signer)
        #expect(try again.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == full)
    }
}

@Suite struct LedgerAgencyTests {
    @Test func registersANewAgency() throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        let cert = certificate("police-1")
        let index = try fixture.ledger.registerAgency(id: "police", name: "Example Police", certificatePEM: cert.pem,
                                                      fingerprint: cert.fingerprint, at: instant(0))
        #expect(index == 0)
        #expect(try fixture.ledger.agencies() == [
            Ledger.AgencyInfo(id: "police", name: "Example Police", certificateFingerprints: [cert.fingerprint]),
        ])
        #expect(try fixture.ledger.agencyId(forCertificate: cert.fingerprint) == "police")
        #expect(try fixture.ledger.agencyId(forCertificate: certificate("other").fingerprint) == nil)
        #expect(try fixture.ledger.pinnedCertificatePEMs() == [cert.pem])
        let registered = try #require(try event(fixture.ledger, at: 0))
        #expect(registered == .agencyRegistered(id: "police", name: "Example Police", certificateSha256: cert.fingerprint, at: instant(0)))
        try expectConsistentLog(fixture)
    }

    @Test func addsASecondCertificateToAnAgency() throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        let first = certificate("police-1"), second = certificate("police-2")
        try fixture.ledger.registerAgency(id: "police", name: "Example Police", certificatePEM: first.pem,
                                          fingerprint: first.fingerprint, at: instant(0))
        let index = try fixture.ledger.registerAgency(id: "police", name: "Renamed Police", certificatePEM: second.pem,
                                                      fingerprint: second.fingerprint, at: instant(1))
        #expect(index == 1)
        // The name given the second time is not recorded: an agency keeps its first name.
        #expect(try fixture.ledger.agencies() == [
            Ledger.AgencyInfo(id: "police", name: "Example Police", certificateFingerprints: [first.fingerprint, second.fingerprint]),
        ])
        #expect(try fixture.ledger.agencyId(forCertificate: second.fingerprint) == "police")
        #expect(try fixture.ledger.pinnedCertificatePEMs() == [first.pem, second.pem])
        let added = try #require(try event(fixture.ledger, at: 1))
        #expect(added == .agencyCertificateAdded(id: "police", certificateSha256: second.fingerprint, at: instant(1)))
        #expect(try count("agency", fixture.ledger) == 1)
        try expectConsistentLog(fixture)
    }

    @Test func aCertificateIsPinnedToOneAgency() throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        let cert = certificate("shared")
        try fixture.ledger.registerAgency(id: "police", name: "Police", certificatePEM: cert.pem, fingerprint: cert.fingerprint,
                                          at: instant(0))
        let checkpoint = try fixture.ledger.latestCheckpoint()
        #expect(ledgerErrorCode {
            try fixture.ledger.registerAgency(id: "health", name: "Health", certificatePEM: cert.pem, fingerprint: cert.fingerprint,
                                              at: instant(1))
        } == "certificate-pinned")
        #expect(ledgerErrorCode {
            try fixture.ledger.registerAgency(id: "police", name: "Police", certificatePEM: cert.pem, fingerprint: cert.fingerprint,
                                              at: instant(2))
        } == "already-registered")
        #expect(try fixture.ledger.treeSize() == 1)
        #expect(try fixture.ledger.latestCheckpoint()?.note == checkpoint?.note)
        #expect(try fixture.ledger.agencies().map(\.id) == ["police"])
        #expect(try fixture.ledger.agencyId(forCertificate: cert.fingerprint) == "police")
        try expectConsistentLog(fixture)
    }

    @Test(arguments: ["", "Police", "-police", "police_force", "police force", "police.uk", "pölice", "police\n",
                      String(repeating: "a", count: 64)])
    func refusesABadAgencyId(id: String) throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        let cert = certificate("x")
        #expect(ledgerErrorCode {
            try fixture.ledger.registerAgency(id: id, name: "X", certificatePEM: cert.pem, fingerprint: cert.fingerprint, at: instant(0))
        } == "bad-agency-id")
        #expect(try fixture.ledger.treeSize() == 0)
    }

    @Test(arguments: ["p", "0", "nhs-trust-2", "a-", String(repeating: "a", count: 63)])
    func acceptsAGoodAgencyId(id: String) throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        let cert = certificate(id)
        try fixture.ledger.registerAgency(id: id, name: "X", certificatePEM: cert.pem, fingerprint: cert.fingerprint, at: instant(0))
        #expect(try fixture.ledger.agencies().map(\.id) == [id])
    }

    /// A failure after the leaf is appended (here the schema's fingerprint CHECK) rolls the
    /// whole write back: no leaf, no node, no checkpoint.
    @Test func aFailedRegistrationLeavesNoTrace() throws {
        let fixture = try LedgerFixture()
        defer { fixture.remove() }
        try fixture.ledger.registerAgency(id: "police", name: "Police", certificatePEM: certificate("p").pem,
                                          fingerprint: certificate("p").fingerprint, at: instant(0))
        #expect(throws: (any Error).self) {
            try fixture.ledger.registerAgency(id: "health", name: "Health", certificatePEM: "x", fingerprint: "abc", at: instant(1))
        }
        #expect(try fixture.ledger.treeSize() == 1)
        #expect(try count("checkpoint", fixture.ledger) == 1)
        #expect(try count("agency", fixture.ledger) == 1)
        try expectConsistentLog(fixture)
    }
}

// MARK: - Cases

@Suite struct LedgerCaseTests {
    @Test func opensACaseWithOverrides() throws {
        let fixture = try fixtureWithCase(agencies: ["police"])
        defer { fixture.remove() }
        let ref = "LSCP-2026-7"
        let overrides: [Milestone: LocalDate] = [.returns: referral.adding(days: 14), .panel: referral.adding(days: 30)]
        let agencies = ["school", "police", "health"]  // not alphabetical: order is kept
        let size = try fixture.ledger.treeSize()
        let index = try fixture.ledger.openCase(ref: ref, referred: referral.adding(days: 1), agencies: agencies,
                                                overrides: overrides, at: instant(50))
        #expect(index == size)
        #expect(try fixture.ledger.treeSize() == size + 4)
        let record = try #require(try fixture.ledger.caseRecord(ref))
        #expect(record == CaseRecord(ref: ref, referred: referral.adding(days: 1), overrides: overrides, agencies: agencies))
        #expect(record.latest.isEmpty && record.meeting == nil && record.panelNotified == nil && !record.isClosed)
        let events = try storedLog(fixture.ledger).events.suffix(4)
        #expect(Array(events) == [.caseOpened(ref: ref, referred: referral.adding(days: 1), overrides: overrides, at: instant(50))]
                + agencies.map { .agencyExpected(caseRef: ref, agencyId: $0, at: instant(50)) })
        let due = events.first?["due"]
        #expect(due == .object(["returns": .string("2026-03-16"), "panel": .string("2026-04-01")]))
        #expect(try fixture.ledger.caseRecords().map(\.ref) == [caseRef, ref])
        // Overrides replace their deadline and nothing else.
        let status = CaseStatus(record: record, timescales: Settings.Timescales(), calendar: calendar, today: referral)
        #expect(status.deadlines.returns == referral.adding(days: 14))
        #expect(status.deadlines.panel == referral.adding(days: 30))
        #expect(status.deadlines.requests == calendar.adding(workingDays: 2, to: referral.adding(days: 1)))
        try expectConsistentLog(fixture)
    }

    @Test func caseWithoutOverrides() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let record = try #require(try fixture.ledger.caseRecord(caseRef))
        #expect(record.overrides.isEmpty)
        #expect(record.agencies == ["police", "health"])
        #expect(try fixture.ledger.caseRecord("RR-2026-999") == nil)
        let opening = try #require(try event(fixture.ledger, at: 3))
        #expect(opening.kind == .caseOpened)
        #expect(opening["due"] == nil)
    }

    @Test func refusesBadCases() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let size = try fixture.ledger.treeSize()
        func code(_ ref: String, _ agencies: [String]) -> String? {
            ledgerErrorCode { try fixture.ledger.openCase(ref: ref, referred: referral, agencies: agencies, at: instant(60)) }
        }
        #expect(code(caseRef, ["police"]) == "case-exists")
        #expect(code("RR-2026-015", ["police", "probation"]) == "unknown-agency")
        #expect(code("RR-2026-015", []) == "no-agencies")
        #expect(code("RR-2026-015", ["police", "health", "police"]) == "duplicate-agency")
        for bad in ["", "rr-2026-015", "RR-26-015", "RR-2026-", "R-2026-1", "RRRRRR-2026-1", "RR-2026-1234567", "RR_2026_015",
                    "RR-2026-015 ", "RR-2026-015-1", "Child A"] {
            #expect(code(bad, ["police"]) == "bad-case-ref", "\(bad)")
        }
        #expect(try fixture.ledger.treeSize() == size)
        #expect(try fixture.ledger.caseRecords().map(\.ref) == [caseRef])
        try expectConsistentLog(fixture)
    }

    @Test func milestones() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let ledger = fixture.ledger
        #expect(ledgerErrorCode { try ledger.recordMeeting(ref: "RR-2026-999", held: referral, decision: "x", at: instant(1)) }
                == "unknown-case")
        #expect(ledgerErrorCode { try ledger.recordPanelNotified(ref: caseRef, on: referral.adding(days: -1), at: instant(1)) }
                == "bad-date")
        let held = referral.adding(days: 14)
        try ledger.recordMeeting(ref: caseRef, held: held, decision: "local-review", at: instant(300))
        #expect(ledgerErrorCode { try ledger.recordMeeting(ref: caseRef, held: held, decision: "no-review", at: instant(301)) }
                == "meeting-recorded")
        var record = try #require(try ledger.caseRecord(caseRef))
        #expect(record.meeting?.held == held)
        #expect(record.meeting?.decision == "local-review")
        #expect(CaseStatus(record: record, timescales: Settings.Timescales(), calendar: calendar, today: held).state == .meetingHeld)
        try ledger.recordPanelNotified(ref: caseRef, on: held.adding(days: 1), at: instant(400))
        record = try #require(try ledger.caseRecord(caseRef))
        #expect(record.panelNotified == held.adding(days: 1))
        #expect(record.isClosed)
        #expect(CaseStatus(record: record, timescales: Settings.Timescales(), calendar: calendar, today: held).state == .panelNotified)
        #expect(ledgerErrorCode { try ledger.recordPanelNotified(ref: caseRef, on: held.adding(days: 2), at: instant(401)) }
                == "case-closed")
        let events = try storedLog(ledger).events.suffix(2)
        #expect(Array(events) == [.meetingRecorded(caseRef: caseRef, held: held, decision: "local-review", at: instant(300)),
                                  .panelNotified(caseRef: caseRef, on: held.adding(days: 1), at: instant(400))])
        try expectConsistentLog(fixture)
    }
}

// MARK: - Submissions

@Suite struct LedgerSubmissionTests {
    @Test func acceptsAFirstVersion() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let bytes = returnBytes(agencyId: "police")
        let return1 = opened(bytes, signedBy: "police")
        let size = try fixture.ledger.treeSize()
        let (recorded, calls) = try record(fixture, return1, label: "p1", inputKey: "drop/p1.p7m", at: instant(100))
        #expect(calls == [.store])
        #expect(recorded.ledgerIndex == size && recorded.treeSize == size + 1 && recorded.isNew)
        #expect(recorded.kind == .submissionAccepted && recorded.reason == nil && recorded.message.isEmpty)
        #expect(recorded.version == 1 && recorded.duplicateOf == nil)
        #expect(recorded.caseRef == caseRef && recorded.agencyId == "police")
        #expect(recorded.complete == true && recorded.missing.isEmpty)
        #expect(recorded.disposition == .store)
        let log = try storedLog(fixture.ledger)
        let event = try #require(log.events.last)
        #expect(event == LedgerEvent(.submissionAccepted, at: instant(100), [
            "channel": .string("drop"), "envelopeSha256": .string(facts("p1", at: instant(100)).envelopeSha256),
            "size": .int(facts("p1", at: instant(100)).size), "receivedAt": .string(instant(100).rfc3339(milliseconds: true)),
            "contentSha256": .string(return1.contentSha256), "signerSha256": .string(return1.signerSha256),
            "agencyId": .string("police"), "caseRef": .string(caseRef), "version": .int(1), "complete": .bool(true),
            "missing": .array([]),
        ]))
        #expect(log.envelopeHashes.last == facts("p1", at: instant(100)).envelopeSha256)
        #expect(log.inputKeys.last == "drop/p1.p7m")
        #expect(try fixture.ledger.recorded(inputKey: "drop/p1.p7m")?.ledgerIndex == size)
        let stored = try #require(try fixture.ledger.caseRecord(caseRef)?.latest["police"])
        #expect(stored == ReturnRecord(version: 1, envelopeSha256: facts("p1", at: instant(100)).envelopeSha256,
                                       contentSha256: return1.contentSha256, receivedAt: instant(100), completeness: .complete,
                                       ledgerIndex: size))
        // Events carry hashes and ids, never the return's text.
        for entry in log.entries {
            let text = String(decoding: entry, as: UTF8.self)
            #expect(!text.contains(authorName) && !text.contains(signOffName) && !text.contains("Revision"))
        }
        try expectConsistentLog(fixture)
    }

    @Test func duplicateOfTheLatestVersion() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let bytes = returnBytes(agencyId: "police")
        let (first, _) = try record(fixture, opened(bytes, signedBy: "police"), label: "p1", at: instant(100))
        let size = try fixture.ledger.treeSize()
        // The same content in a new envelope (another envelope hash) is a duplicate.
        let (duplicate, calls) = try record(fixture, opened(bytes, signedBy: "police"), label: "p1-again", at: instant(200))
        #expect(calls == [.store])
        #expect(duplicate.ledgerIndex == size && duplicate.treeSize == size + 1 && duplicate.isNew)
        #expect(duplicate.kind == .submissionDuplicate && duplicate.reason == nil)
        #expect(duplicate.version == 1 && duplicate.duplicateOf == first.ledgerIndex)
        #expect(duplicate.caseRef == caseRef && duplicate.agencyId == "police")
        #expect(duplicate.disposition == .store)
        let event = try #require(try storedLog(fixture.ledger).events.last)
        #expect(event["envelopeSha256"]?.stringValue == facts("p1-again", at: instant(200)).envelopeSha256)
        #expect(event["duplicateOf"]?.intValue == first.ledgerIndex)
        #expect(event["complete"] == nil)
        #expect(try count("submission", fixture.ledger) == 1)
        #expect(try fixture.ledger.caseRecord(caseRef)?.latest["police"]?.ledgerIndex == first.ledgerIndex)
        try expectConsistentLog(fixture)
    }

    @Test func aNewVersionSupersedesTheLatest() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let v1 = opened(returnBytes(agencyId: "police", revision: 1), signedBy: "police")
        let v2 = opened(returnBytes(agencyId: "police", complete: false, revision: 2), signedBy: "police")
        let v3 = opened(returnBytes(agencyId: "police", revision: 3), signedBy: "police")
        _ = try record(fixture, v1, label: "v1", at: instant(100))
        let size = try fixture.ledger.treeSize()
        let (second, calls) = try record(fixture, v2, label: "v2", at: instant(200))
        #expect(calls == [.store])
        #expect(second.kind == .submissionAccepted)
        #expect(second.version == 2)
        #expect(second.ledgerIndex == size)
        #expect(second.treeSize == size + 2)
        #expect(second.complete == false && second.missing == ["sign-off", "records-secured"])
        let events = try storedLog(fixture.ledger).events
        #expect(events.count == size + 2)
        #expect(events[size]["version"] == .int(2))
        #expect(events[size]["complete"] == .bool(false))
        #expect(events[size]["missing"] == .array([.string("sign-off"), .string("records-secured")]))
        #expect(events[size + 1] == LedgerEvent(.returnSuperseded, at: instant(200), [
            "caseRef": .string(caseRef), "agencyId": .string("police"), "version": .int(1), "supersededBy": .int(2),
        ]))
        var latest = try #require(try fixture.ledger.caseRecord(caseRef)?.latest["police"])
        #expect(latest.version == 2)
        #expect(latest.contentSha256 == v2.contentSha256)
        #expect(latest.completeness == .incomplete([.signOff, .recordsSecured]))
        // v1's content again is not a duplicate of v2 (the latest): it is v3's content... here
        // a fresh version 3 that supersedes 2.
        let (third, _) = try record(fixture, v3, label: "v3", at: instant(300))
        #expect(third.version == 3)
        latest = try #require(try fixture.ledger.caseRecord(caseRef)?.latest["police"])
        #expect(latest.version == 3 && latest.completeness == .complete)
        // Resending v1's content after v3 is a duplicate of version 1 (issue 12): an earlier
        // envelope never rolls the return back.
        let (fourth, _) = try record(fixture, v1, label: "v1-again", at: instant(400))
        #expect(fourth.kind == .submissionDuplicate && fourth.version == 1)
        #expect(try count("submission", fixture.ledger) == 3)
        #expect(try fixture.ledger.caseRecord(caseRef)?.latest["police"]?.version == 3)
        try expectConsistentLog(fixture)
    }

    struct RejectionCase: Sendable, CustomTestStringConvertible {
        var reason: ReasonCode
        var bytes: [UInt8]
        var signer: String?
        var closeCaseFirst = false
        var testDescription: String { reason.rawValue }
    }

    static let rejections: [RejectionCase] = [
        RejectionCase(reason: .unknownSigner, bytes: returnBytes(agencyId: "police"), signer: nil),
        RejectionCase(reason: .invalidReturn, bytes: Array(#"{"schema": "scoping-return/v1", "caseRef": "RR-2026-014"}"#.utf8),
                      signer: "police"),
        RejectionCase(reason: .invalidReturn, bytes: Array("not json".utf8), signer: "police"),
        RejectionCase(reason: .wrongAgency, bytes: returnBytes(agencyId: "health"), signer: "police"),
        RejectionCase(reason: .unknownCase, bytes: returnBytes(caseRef: "RR-2026-999", agencyId: "police"), signer: "police"),
        RejectionCase(reason: .caseClosed, bytes: returnBytes(agencyId: "police"), signer: "police", closeCaseFirst: true),
        RejectionCase(reason: .agencyNotExpected, bytes: returnBytes(agencyId: "school"), signer: "school"),
    ]

    @Test(arguments: rejections)
    func rejects(_ rejection: RejectionCase) throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        if rejection.closeCaseFirst {
            try fixture.ledger.recordPanelNotified(ref: caseRef, on: referral.adding(days: 5), at: instant(50))
        }
        let size = try fixture.ledger.treeSize()
        let input = opened(rejection.bytes, signedBy: rejection.signer)
        let (recorded, calls) = try record(fixture, input, label: "r", inputKey: "drop/r.p7m", at: instant(100))
        #expect(recorded.kind == .submissionRejected)
        #expect(recorded.reason == rejection.reason)
        #expect(!recorded.message.isEmpty)
        #expect(calls == [.quarantine(rejection.reason, recorded.message)])
        #expect(recorded.disposition == .quarantine(rejection.reason, recorded.message))
        #expect(recorded.isNew && recorded.version == nil && recorded.duplicateOf == nil)
        #expect(recorded.ledgerIndex == size && recorded.treeSize == size + 1)
        #expect(recorded.agencyId == rejection.signer)
        let document = input.verdict.scopingReturn
        #expect(recorded.caseRef == document?.caseRef)
        let event = try #require(try storedLog(fixture.ledger).events.last)
        #expect(event.kind == .submissionRejected)
        #expect(event["reason"] == .string(rejection.reason.rawValue))
        #expect(event["envelopeSha256"] == .string(facts("r", at: instant(100)).envelopeSha256))
        #expect(event["contentSha256"] == .string(input.contentSha256))
        #expect(event["version"] == nil)
        #expect(try count("submission", fixture.ledger) == 0)
        #expect(try fixture.ledger.caseRecord(caseRef)?.latest.isEmpty == true)
        try expectConsistentLog(fixture)
    }

    @Test func replayingAnInputKeyWritesNothing() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let input = opened(returnBytes(agencyId: "police"), signedBy: "police")
        let (first, firstCalls) = try record(fixture, input, label: "p1", inputKey: "drop/p1.p7m", at: instant(100))
        #expect(firstCalls == [.store])
        let before = try storedLog(fixture.ledger)
        // The replay is decided by the key alone, whatever is handed over the second time.
        let other = opened(returnBytes(agencyId: "police", revision: 9), signedBy: "police")
        let (replay, calls) = try record(fixture, other, label: "p9", inputKey: "drop/p1.p7m", at: instant(500))
        #expect(calls == [.store])
        var expected = first
        expected.isNew = false
        #expect(replay == expected)
        let after = try storedLog(fixture.ledger)
        #expect(after.entries == before.entries)
        #expect(after.checkpoints.count == before.checkpoints.count)
        #expect(try count("submission", fixture.ledger) == 1)
        // The same key through recordRejection is also a replay of the acceptance.
        var rejectionCalls: [Disposition] = []
        let again = try fixture.ledger.recordRejection(.malformed, facts: facts("p1", at: instant(600)), inputKey: "drop/p1.p7m",
                                                       at: instant(600)) { rejectionCalls.append($0) }
        #expect(again == expected)
        #expect(rejectionCalls == [.store])
        #expect(try fixture.ledger.treeSize() == before.entries.count)
        // Without a key there is no idempotency: the same input again is a duplicate.
        let (unkeyed, _) = try record(fixture, input, label: "p1", inputKey: nil, at: instant(700))
        #expect(unkeyed.kind == .submissionDuplicate && unkeyed.isNew)
        try expectConsistentLog(fixture)
    }

    @Test func replayingARejectedInputKeepsItsReason() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let input = opened(returnBytes(caseRef: "RR-2026-999", agencyId: "police"), signedBy: "police")
        let (first, _) = try record(fixture, input, label: "u", inputKey: "drop/u.p7m", at: instant(100))
        #expect(first.reason == .unknownCase)
        let size = try fixture.ledger.treeSize()
        let (replay, calls) = try record(fixture, input, label: "u", inputKey: "drop/u.p7m", at: instant(200))
        #expect(!replay.isNew)
        #expect(replay.ledgerIndex == first.ledgerIndex)
        #expect(replay.kind == .submissionRejected && replay.reason == .unknownCase)
        #expect(calls.count == 1)
        guard case .quarantine(let reason, _)? = calls.first else {
            Issue.record("a replayed rejection is quarantined again, got \(calls)")
            return
        }
        #expect(reason == .unknownCase)
        #expect(try fixture.ledger.treeSize() == size)
    }

    @Test func recordsARejectionBeforeTheContentIsRead() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let size = try fixture.ledger.treeSize()
        var calls: [Disposition] = []
        let inputFacts = facts("big", at: instant(100), channel: "socket")
        let recorded = try fixture.ledger.recordRejection(.tooLarge, facts: inputFacts, inputKey: "socket/1", at: instant(100)) {
            calls.append($0)
        }
        #expect(calls == [.quarantine(.tooLarge, "")])
        #expect(recorded.ledgerIndex == size && recorded.treeSize == size + 1 && recorded.isNew)
        #expect(recorded.kind == .submissionRejected && recorded.reason == .tooLarge)
        #expect(recorded.version == nil && recorded.duplicateOf == nil && recorded.caseRef == nil && recorded.agencyId == nil)
        #expect(recorded.disposition == .quarantine(.tooLarge, ""))
        let event = try #require(try storedLog(fixture.ledger).events.last)
        #expect(event == LedgerEvent(.submissionRejected, at: instant(100), [
            "channel": .string("socket"), "envelopeSha256": .string(inputFacts.envelopeSha256), "size": .int(inputFacts.size),
            "receivedAt": .string(instant(100).rfc3339(milliseconds: true)), "reason": .string("too-large"),
        ]))
        var replayCalls: [Disposition] = []
        let replay = try fixture.ledger.recordRejection(.tooLarge, facts: inputFacts, inputKey: "socket/1", at: instant(200)) {
            replayCalls.append($0)
        }
        #expect(!replay.isNew && replay.ledgerIndex == size)
        #expect(replayCalls == [.quarantine(.tooLarge, "")])
        #expect(try fixture.ledger.treeSize() == size + 1)
        try expectConsistentLog(fixture)
    }

    @Test func aFailingPersistRollsEverythingBack() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let before = try storedLog(fixture.ledger)
        let input = opened(returnBytes(agencyId: "police"), signedBy: "police")
        var calls: [Disposition] = []
        #expect(throws: PersistFailure.self) {
            _ = try fixture.ledger.recordOpened(input, facts: facts("p1", at: instant(100)), inputKey: "drop/p1.p7m",
                                                at: instant(100)) { calls.append($0); throw PersistFailure() }
        }
        #expect(calls == [.store])
        #expect(throws: PersistFailure.self) {
            _ = try fixture.ledger.recordRejection(.malformed, facts: facts("m", at: instant(100)), inputKey: "drop/m",
                                                   at: instant(100)) { _ in throw PersistFailure() }
        }
        let after = try storedLog(fixture.ledger)
        #expect(after.entries == before.entries)
        #expect(after.nodes == before.nodes)
        #expect(after.checkpoints.map(\.note) == before.checkpoints.map(\.note))
        #expect(try count("submission", fixture.ledger) == 0)
        #expect(try fixture.ledger.recorded(inputKey: "drop/p1.p7m") == nil)
        #expect(try fixture.ledger.recorded(inputKey: "drop/m") == nil)
        // The input can be recorded afterwards, as new.
        let (recorded, _) = try record(fixture, input, label: "p1", inputKey: "drop/p1.p7m", at: instant(200))
        #expect(recorded.isNew && recorded.version == 1)
        try expectConsistentLog(fixture)
    }

    @Test func readinessFollowsTheLatestVersions() throws {
        let fixture = try fixtureWithCase(agencies: ["police", "health", "school"])
        defer { fixture.remove() }
        let ledger = fixture.ledger
        func status(today: LocalDate) throws -> CaseStatus {
            CaseStatus(record: try #require(try ledger.caseRecord(caseRef)), timescales: Settings.Timescales(),
                       calendar: calendar, today: today)
        }
        let returnsDue = calendar.adding(workingDays: 8, to: referral)  // Thursday 12 March 2026
        #expect(returnsDue == LocalDate(year: 2026, month: 3, day: 12))

        var board = try status(today: referral)
        #expect(board.state == .awaitingReturns && !board.ready)
        #expect(board.agencies.map(\.state) == [.awaiting, .awaiting, .awaiting])

        let (police, _) = try record(fixture, opened(returnBytes(agencyId: "police"), signedBy: "police"), label: "p", at: instant(100))
        _ = try record(fixture, opened(returnBytes(agencyId: "health", complete: false), signedBy: "health"), label: "h1",
                       at: instant(200))
        board = try status(today: returnsDue)
        #expect(board.state == .awaitingReturns && !board.ready)
        #expect(board.agencies.map(\.agencyId) == ["police", "health", "school"])
        #expect(board.agencies.map(\.state) == [.complete, .incomplete, .awaiting])
        #expect(board.agencies.map(\.overdue) == [false, false, false])
        #expect(board.agencies[1].latest?.completeness.codes == ["sign-off", "records-secured"])
        #expect(board.agencies[0].latest?.ledgerIndex == police.ledgerIndex)
        #expect(board.completeCount == 1)

        board = try status(today: returnsDue.adding(days: 1))
        #expect(board.agencies.map(\.overdue) == [false, true, true])
        let json = board.json
        #expect(json["agencies"]?.arrayValue?[1]["missing"] == .array([.string("sign-off"), .string("records-secured")]))
        #expect(json["agencies"]?.arrayValue?[2]["receivedAt"] == .null)
        #expect(json["agencies"]?.arrayValue?[0]["envelopeSha256"] == .string(facts("p", at: instant(100)).envelopeSha256))
        #expect(json["agencies"]?.arrayValue?[0]["receivedAt"] == .string(instant(100).rfc3339(milliseconds: true)))

        _ = try record(fixture, opened(returnBytes(agencyId: "health", revision: 2), signedBy: "health"), label: "h2",
                       at: instant(300))
        _ = try record(fixture, opened(returnBytes(agencyId: "school"), signedBy: "school"), label: "s", at: instant(400))
        board = try status(today: returnsDue.adding(days: 1))
        #expect(board.ready && board.state == .ready)
        #expect(board.agencies.map(\.state) == [.complete, .complete, .complete])
        #expect(board.agencies.map(\.overdue) == [false, false, false])
        #expect(board.agencies[1].latest?.version == 2)
        #expect(board.json["ready"] == .bool(true) && board.json["state"] == .string("ready"))
        try expectConsistentLog(fixture)
    }
}

// MARK: - Read-only

@Suite struct LedgerReadOnlyTests {
    private func populated() throws -> LedgerFixture {
        let fixture = try fixtureWithCase()
        _ = try record(fixture, opened(returnBytes(agencyId: "police"), signedBy: "police"), label: "p", inputKey: "k",
                       at: instant(100))
        return fixture
    }

    private func expectRefusesWrites(_ reader: Ledger, size: Int) throws {
        let cert = certificate("new")
        #expect(throws: (any Error).self) {
            try reader.registerAgency(id: "probation", name: "Probation", certificatePEM: cert.pem, fingerprint: cert.fingerprint,
                                      at: instant(900))
        }
        #expect(throws: (any Error).self) {
            try reader.openCase(ref: "RR-2026-015", referred: referral, agencies: ["police"], at: instant(900))
        }
        #expect(throws: (any Error).self) {
            try reader.recordMeeting(ref: caseRef, held: referral, decision: "no-review", at: instant(900))
        }
        #expect(throws: (any Error).self) {
            _ = try reader.recordRejection(.malformed, facts: facts("ro", at: instant(900)), inputKey: nil, at: instant(900)) { _ in }
        }
        #expect(throws: (any Error).self) {
            _ = try reader.recordOpened(opened(returnBytes(agencyId: "health"), signedBy: "health"),
                                        facts: facts("ro2", at: instant(900)), inputKey: nil, at: instant(900)) { _ in }
        }
        #expect(try reader.treeSize() == size)
    }

    private func expectReads(_ reader: Ledger, _ fixture: LedgerFixture, size: Int) throws {
        #expect(try reader.treeSize() == size)
        #expect(try reader.caseRecord(caseRef)?.latest["police"]?.version == 1)
        #expect(try reader.agencies().map(\.id) == ["health", "police", "school"])
        #expect(try reader.latestCheckpoint()?.size == size)
        #expect(try reader.entry(at: size - 1) != nil)
        #expect(try reader.recorded(inputKey: "k")?.version == 1)
        #expect(try reader.rootHash(size: size) == (try fixture.ledger.rootHash(size: size)))
    }

    /// Read-only while the writer still has the file open (the CLI beside the daemon).
    @Test func readsBesideTheWriterAndRefusesWrites() throws {
        let fixture = try populated()
        defer { fixture.remove() }
        let size = try fixture.ledger.treeSize()
        let reader = try Ledger(path: fixture.path, origin: LedgerFixture.origin, signer: nil, readOnly: true)
        try expectReads(reader, fixture, size: size)
        try expectRefusesWrites(reader, size: size)
        // Even given the key, a read-only ledger cannot write.
        let keyed = try Ledger(path: fixture.path, origin: LedgerFixture.origin, signer: fixture.signer, readOnly: true)
        try expectRefusesWrites(keyed, size: size)
        #expect(ledgerErrorCode {
            try reader.registerAgency(id: "probation", name: "P", certificatePEM: "x", fingerprint: certificate("n").fingerprint,
                                      at: instant(1))
        } != nil)
        try expectConsistentLog(fixture)
    }

    /// Read-only after the writer has closed the file (`intake status` with no daemon).
    @Test func readsAfterTheWriterClosed() throws {
        let directory: URL
        let path: String
        let size: Int
        let signer: Ed25519NoteSigner
        do {
            let fixture = try populated()
            directory = fixture.directory
            path = fixture.path
            signer = fixture.signer
            size = try fixture.ledger.treeSize()
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let reader = try Ledger(path: path, origin: LedgerFixture.origin, signer: nil, readOnly: true)
        #expect(try reader.treeSize() == size)
        #expect(try reader.caseRecord(caseRef)?.latest["police"]?.version == 1)
        let note = try SignedNote.parse(try #require(try reader.latestCheckpoint()).note)
        #expect(note.isSigned(by: signer.verifierKey))
        try expectRefusesWrites(reader, size: size)
    }

    /// A ledger opened writable without its key reads, and refuses every write with
    /// `read-only` before anything is written.
    @Test func aLedgerWithoutItsKeyRefusesWrites() throws {
        let fixture = try populated()
        defer { fixture.remove() }
        let size = try fixture.ledger.treeSize()
        let keyless = try Ledger(path: fixture.path, origin: LedgerFixture.origin, signer: nil)
        #expect(try keyless.treeSize() == size)
        let cert = certificate("new")
        #expect(ledgerErrorCode {
            try keyless.registerAgency(id: "probation", name: "Probation", certificatePEM: cert.pem, fingerprint: cert.fingerprint,
                                       at: instant(900))
        } == "read-only")
        #expect(ledgerErrorCode {
            _ = try keyless.recordRejection(.malformed, facts: facts("ro", at: instant(900)), inputKey: nil, at: instant(900)) { _ in }
        } == "read-only")
        #expect(try keyless.treeSize() == size)
        #expect(try fixture.ledger.agencyId(forCertificate: cert.fingerprint) == nil)
        try expectConsistentLog(fixture)
    }
}

// MARK: - Group commit

/// `Ledger.recordGroup`: several inputs in one transaction, one savepoint each, one checkpoint.
@Suite struct LedgerGroupTests {
    @Test func aGroupRecordsEachInputInOrderAndSignsOneCheckpoint() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let before = try storedLog(fixture.ledger)
        let police = opened(returnBytes(agencyId: "police"), signedBy: "police")
        var calls: [[Disposition]] = [[], [], []]
        let results = try fixture.ledger.recordGroup(count: 3, at: instant(100)) { index, group in
            switch index {
            case 0: try group.recordOpened(police, facts: facts("a", at: instant(100)), inputKey: "drop/a") { calls[0].append($0) }
            // The same return again in the same group: the policy sees the first one.
            case 1: try group.recordOpened(police, facts: facts("b", at: instant(100)), inputKey: "drop/b") { calls[1].append($0) }
            default: try group.recordRejection(.malformed, facts: facts("c", at: instant(100)), inputKey: "drop/c") { calls[2].append($0) }
            }
        }
        let recorded = try results.map { try $0.get() }
        #expect(recorded.map(\.kind) == [.submissionAccepted, .submissionDuplicate, .submissionRejected])
        #expect(recorded[1].duplicateOf == recorded[0].ledgerIndex)
        #expect(recorded[0].ledgerIndex < recorded[1].ledgerIndex && recorded[1].ledgerIndex < recorded[2].ledgerIndex)
        #expect(calls == [[.store], [.store], [.quarantine(.malformed, "")]])
        let after = try storedLog(fixture.ledger)
        #expect(recorded.allSatisfy { $0.treeSize == after.entries.count && $0.isNew })
        #expect(after.checkpoints.count == before.checkpoints.count + 1, "one checkpoint for the whole group")
        #expect(after.checkpoints.last?.size == after.entries.count)
        #expect(try fixture.ledger.recorded(inputKey: "drop/b")?.kind == .submissionDuplicate)
        try expectConsistentLog(fixture)
    }

    @Test func oneFailingInputOfAGroupIsRolledBackAlone() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let size = try fixture.ledger.treeSize()
        let results = try fixture.ledger.recordGroup(count: 3, at: instant(100)) { index, group in
            let recorded = try group.recordRejection(.malformed, facts: facts("in\(index)", at: instant(100)),
                                                     inputKey: "drop/in\(index)") { _ in }
            // The middle input fails after its rows are written: its savepoint must undo them.
            if index == 1 { throw PersistFailure() }
            return recorded
        }
        #expect(results.count == 3)
        let first = try results[0].get(), last = try results[2].get()
        #expect(throws: PersistFailure.self) { try results[1].get() }
        #expect(first.ledgerIndex == size && last.ledgerIndex == size + 1, "the failed input left no leaf between them")
        #expect(first.treeSize == size + 2 && last.treeSize == size + 2)
        #expect(try fixture.ledger.treeSize() == size + 2)
        #expect(try fixture.ledger.recorded(inputKey: "drop/in1") == nil)
        #expect(try fixture.ledger.recorded(inputKey: "drop/in2")?.ledgerIndex == size + 1)
        try expectConsistentLog(fixture)
    }

    @Test func aGroupThatCannotCommitRecordsNothing() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let before = try storedLog(fixture.ledger)
        #expect(throws: PersistFailure.self) {
            _ = try fixture.ledger.recordGroup(count: 2, at: instant(100), beforeCommit: { throw PersistFailure() }) { index, group in
                try group.recordRejection(.malformed, facts: facts("x\(index)", at: instant(100)), inputKey: "drop/x\(index)") { _ in }
            }
        }
        let after = try storedLog(fixture.ledger)
        #expect(after.entries == before.entries && after.nodes == before.nodes)
        #expect(after.checkpoints.map(\.note) == before.checkpoints.map(\.note))
        #expect(try fixture.ledger.recorded(inputKey: "drop/x0") == nil)
        try expectConsistentLog(fixture)
    }

    @Test func aGroupThatAddsNothingSignsNoCheckpoint() throws {
        let fixture = try fixtureWithCase()
        defer { fixture.remove() }
        let earlier = try fixture.ledger.recordRejection(.malformed, facts: facts("r", at: instant(50)), inputKey: "drop/r",
                                                         at: instant(50)) { _ in }
        let before = try storedLog(fixture.ledger)
        var replayed: [Disposition] = []
        let results = try fixture.ledger.recordGroup(count: 2, at: instant(100)) { index, group in
            if index == 1 { throw PersistFailure() }
            // A replay of an input recorded before (a crash after its commit): nothing new.
            return try group.recordRejection(.tooLarge, facts: facts("r", at: instant(100)), inputKey: "drop/r") { replayed.append($0) }
        }
        let replay = try results[0].get()
        #expect(!replay.isNew && replay.ledgerIndex == earlier.ledgerIndex && replay.reason == .malformed)
        #expect(replayed == [.quarantine(.malformed, "")])
        let after = try storedLog(fixture.ledger)
        #expect(after.entries == before.entries)
        #expect(after.checkpoints.map(\.note) == before.checkpoints.map(\.note), "no checkpoint for a group that added nothing")
        try expectConsistentLog(fixture)
    }
}
