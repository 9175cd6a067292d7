import Foundation
import GRDB
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// `intake verify` on real homes: an untouched home passes; every kind of tampering with the
/// ledger file (entries, leaf hashes, nodes, checkpoints, index tables) or with the envelope
/// files is caught and named; the RFC 9162 proofs verify; the ledger refuses to sign a tree
/// inconsistent with its last checkpoint; and the `verify`, `checkpoint` and `prove` commands.
@Suite struct VerifyTests {
    // MARK: - A home with a history

    /// A fresh home with accepted, incomplete, superseded, duplicate and rejected submissions
    /// and a meeting, ingested through the real pipeline.
    final class Fixture: @unchecked Sendable {
        let test: TestHome
        let policeV1: Outcome       // accepted-incomplete, later superseded
        let health: Outcome         // accepted
        let policeV2: Outcome       // accepted, supersedes v1
        let duplicate: Outcome      // same content as v2, new envelope
        let junk: Outcome           // rejected: malformed
        let rogue: Outcome          // rejected: untrusted signer
        let education: Outcome      // accepted-incomplete
        let unknownCase: Outcome    // rejected after opening: unknown case
        let meetingIndex: Int

        var home: Home { test.home }
        var layout: HomeLayout { test.layout }
        var ledger: Ledger { test.home.ledger }

        init() throws {
            let pki = sharedPKI
            test = try TestHome(pki: pki)
            let pipeline = try test.pipeline()
            let intake = test.home.intakeCertificate
            func seal(_ content: [UInt8], _ agency: String) throws -> [UInt8] {
                try EnvelopeSealer.seal(content, signer: pki.certificate(agency), key: pki.key(agency), to: [intake])
            }
            func process(_ bytes: [UInt8]) throws -> Outcome { try pipeline.process(bytes, channel: "ingest") }

            policeV1 = try process(seal(TestHome.returnJSON(agency: "police", complete: false), "police"))
            health = try process(seal(TestHome.returnJSON(agency: "health"), "health"))
            let v2 = TestHome.returnJSON(agency: "police", note: "second")
            policeV2 = try process(seal(v2, "police"))
            duplicate = try process(seal(v2, "police"))
            junk = try process(Array("not an envelope at all".utf8))
            rogue = try process(seal(TestHome.returnJSON(agency: "police"), "rogue"))
            education = try process(seal(TestHome.returnJSON(agency: "education", complete: false), "education"))
            unknownCase = try process(seal(TestHome.returnJSON(agency: "health", caseRef: "RR-2026-999"), "health"))
            meetingIndex = try test.home.ledger.recordMeeting(ref: TestHome.caseRef, held: LocalDate("2026-12-01")!,
                                                              decision: "rapid-review", at: SystemClock.now())

            // The history is what the test names say it is.
            try #require(policeV1.status == .acceptedIncomplete && policeV1.version == 1)
            try #require(health.status == .accepted)
            try #require(policeV2.status == .accepted && policeV2.version == 2)
            try #require(duplicate.status == .duplicate && duplicate.version == 2)
            try #require(junk.status == .rejected && junk.reason == .malformed)
            try #require(rogue.status == .rejected && rogue.reason == .untrustedSigner)
            try #require(education.status == .acceptedIncomplete)
            try #require(unknownCase.status == .rejected && unknownCase.reason == .unknownCase)
            try #require(try test.home.ledger.treeSize() >= 16)
        }

        /// The events whose envelope is in store/ (accepted, duplicate) and in quarantine/.
        var stored: [Outcome] { [policeV1, health, policeV2, duplicate, education] }
        var quarantined: [Outcome] { [junk, rogue, unknownCase] }

        /// The home reopened read-only (as `intake verify` does), then audited.
        func audit(exported: [SignedNote] = []) throws -> LedgerAudit {
            try HomeAudit.run(Home(layout, readOnly: true), exportedCheckpoints: exported)
        }

        /// Runs `body` on a raw connection to ledger.sqlite with the append-only triggers
        /// dropped and foreign keys off: what someone with write access to the file can do.
        func tamper(_ body: (Database) throws -> Void) throws {
            try tamperWithLedger(layout, body)
        }

        /// Where an outcome's envelope is kept: quarantine/ for a rejection, else store/.
        func envelopePath(_ outcome: Outcome) -> String {
            let store = EnvelopeStore(layout: layout)
            return outcome.status == .rejected ? store.quarantinedPath(outcome.envelopeSha256) : store.storedPath(outcome.envelopeSha256)
        }

        func entry(_ index: Int) throws -> [UInt8] { try #require(try ledger.entry(at: index)) }
    }

    /// Codes of the findings, for messages and `contains` checks.
    static func codes(_ audit: LedgerAudit) -> [String] { audit.findings.map(\.code) }

    // MARK: - 1. An untouched home

    @Test func anUntouchedHomePasses() throws {
        let fixture = try Fixture()
        let audit = try fixture.audit()
        #expect(audit.ok, "\(audit.findings)")
        #expect(audit.findings.isEmpty)
        #expect(audit.treeSize == (try fixture.ledger.treeSize()))
        #expect(audit.rootHash == (try fixture.ledger.rootHash(size: audit.treeSize)))
        #expect(audit.checkpointsChecked == (try fixture.ledger.signedCheckpoints().count))
        #expect(audit.checkpointsChecked > 1)
        // Every submission event names its envelope: five in store/, three in quarantine/.
        #expect(audit.envelopes.count == fixture.stored.count + fixture.quarantined.count)
        #expect(audit.envelopes.filter(\.inStore).map(\.index).sorted() == fixture.stored.map(\.ledgerIndex).sorted())
        #expect(audit.envelopes.filter { !$0.inStore }.map(\.index).sorted() == fixture.quarantined.map(\.ledgerIndex).sorted())
        // Also through the writable home the pipeline used.
        #expect(try HomeAudit.run(fixture.home).ok)
    }

    // MARK: - 2. Tampering with the log

    /// (a) One entry's bytes changed: its stored leaf hash no longer matches, and that is the
    /// first thing reported. Index -1 stands for the last entry.
    @Test(arguments: [0, 5, 9, -1])
    func alteredEntryIsTheFirstFinding(at position: Int) throws {
        let fixture = try Fixture()
        let size = try fixture.ledger.treeSize()
        let index = position < 0 ? size + position : position
        var entry = try fixture.entry(index)
        entry[entry.count / 2] ^= 0x01
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE log_entry SET entry = ? WHERE idx = ?", arguments: [Data(entry), index])
        }
        let audit = try fixture.audit()
        #expect(!audit.ok)
        let first = try #require(audit.findings.first)
        #expect(["leaf-hash", "entry"].contains(first.code), "\(audit.findings)")
        #expect(first.index == index, "\(audit.findings)")
        #expect(audit.treeSize == size)
    }

    /// (b) Entry and leaf hash changed together (a canonical event, its leaf hash recomputed):
    /// only the stored nodes and the signed checkpoints above it give it away.
    @Test(arguments: [2, 5, 10, -1])
    func alteredEntryWithItsLeafHashIsCaughtByNodesAndCheckpoints(at position: Int) throws {
        let fixture = try Fixture()
        let size = try fixture.ledger.treeSize()
        let index = position < 0 ? size + position : position
        var event = try #require(LedgerEvent.parse(entry: fixture.entry(index)))
        event.at = UTCInstant(secondsSinceEpoch: event.at.secondsSinceEpoch + 1)
        let entry = event.entry
        #expect(LedgerEvent.parse(entry: entry)?.entry == entry)  // still canonical: no "entry" finding
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE log_entry SET entry = ?, leaf_hash = ? WHERE idx = ?",
                           arguments: [Data(entry), Data(MerkleHashing.leafHash(entry)), index])
        }
        let audit = try fixture.audit()
        let codes = Self.codes(audit)
        #expect(!audit.ok)
        #expect(!codes.contains("leaf-hash") && !codes.contains("entry"), "\(audit.findings)")
        #expect(codes.contains("node") || codes.contains("checkpoint-root"), "\(audit.findings)")
        // Every checkpoint from size index + 1 on was signed over the old entry.
        #expect(codes.contains("checkpoint-root"), "\(audit.findings)")
        // A node is named by the first leaf it covers: for an odd index, its level-1 node
        // starts one earlier.
        let first = try #require(audit.findings.first)
        #expect(first.index == index || (index % 2 == 1 && first.index == index - 1), "\(audit.findings)")
    }

    /// (c) The last entries deleted (their nodes and checkpoints left behind).
    @Test(arguments: [1, 3])
    func deletedTailIsCaught(count: Int) throws {
        let fixture = try Fixture()
        let size = try fixture.ledger.treeSize()
        try fixture.tamper { db in
            try db.execute(sql: "DELETE FROM log_entry WHERE idx >= ?", arguments: [size - count])
        }
        let audit = try fixture.audit()
        let codes = Self.codes(audit)
        #expect(!audit.ok)
        #expect(audit.treeSize == size - count)
        #expect(codes.contains("checkpoint-beyond-log"), "\(audit.findings)")
        if count == 3 { #expect(codes.contains("extra-nodes"), "\(audit.findings)") }
    }

    /// An entry deleted in the middle: the gap is named.
    @Test func deletedMiddleEntryIsAGap() throws {
        let fixture = try Fixture()
        let index = fixture.health.ledgerIndex
        try fixture.tamper { db in try db.execute(sql: "DELETE FROM log_entry WHERE idx = ?", arguments: [index]) }
        let audit = try fixture.audit()
        let first = try #require(audit.findings.first)
        #expect(first.code == "missing-entry" && first.index == index, "\(audit.findings)")
    }

    /// (d) Two whole entries swapped (each with its own correct leaf hash): caught at the lower
    /// index (to the precision of a level-1 node when that index is odd).
    @Test(arguments: [(2, 9), (4, 5), (5, 12), (10, 11)])
    func swappedEntriesAreCaughtAtTheLowerIndex(lower: Int, upper: Int) throws {
        let fixture = try Fixture()
        try #require(upper < (try fixture.ledger.treeSize()))
        try fixture.tamper { db in
            let rows = try [lower, upper].map { index in
                try #require(try Row.fetchOne(db, sql: "SELECT kind, entry, leaf_hash, envelope_sha256 FROM log_entry WHERE idx = ?",
                                              arguments: [index]))
            }
            for (index, row) in zip([upper, lower], rows) {
                try db.execute(sql: "UPDATE log_entry SET kind = ?, entry = ?, leaf_hash = ?, envelope_sha256 = ? WHERE idx = ?",
                               arguments: [row["kind"] as String, row["entry"] as Data, row["leaf_hash"] as Data,
                                           row["envelope_sha256"] as String?, index])
            }
        }
        let audit = try fixture.audit()
        let codes = Self.codes(audit)
        #expect(!audit.ok)
        #expect(!codes.contains("leaf-hash") && !codes.contains("entry"), "\(audit.findings)")
        let first = try #require(audit.findings.first)
        #expect(["node", "checkpoint-root"].contains(first.code), "\(audit.findings)")
        #expect(first.index == lower & ~1 || first.index == lower, "\(audit.findings)")
        if lower % 2 == 0 { #expect(first.index == lower, "\(audit.findings)") }
    }

    /// A stored node altered directly.
    @Test func alteredNodeIsCaught() throws {
        let fixture = try Fixture()
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE log_node SET hash = ? WHERE level = 2 AND idx = 1", arguments: [Data(repeating: 7, count: 32)])
        }
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["node"], "\(audit.findings)")
        #expect(audit.findings.first?.index == 4)
    }

    /// (e) The latest checkpoint re-signed over the same body by another Ed25519 key (with
    /// the same key name): the root matches, the signature does not.
    @Test func checkpointSignedByAnotherKeyIsCaught() throws {
        let fixture = try Fixture()
        let latest = try #require(try fixture.ledger.latestSignedCheckpoint())
        let body = try SignedNote.parse(latest.note).text
        let other = try Ed25519NoteSigner(name: fixture.ledger.origin, key: PrivateKey.generate(.ed25519))
        let forged = try other.signNote(body).format()
        #expect(forged != latest.note)
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE checkpoint SET note = ? WHERE tree_size = ?", arguments: [forged, latest.size])
        }
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["checkpoint-signature"], "\(audit.findings)")
        #expect(audit.findings.first?.index == latest.size - 1)
    }

    /// A checkpoint whose stored root (or note body) disagrees with the tree.
    @Test func checkpointWithAnotherRootIsCaught() throws {
        let fixture = try Fixture()
        let checkpoints = try fixture.ledger.signedCheckpoints()
        let middle = checkpoints[checkpoints.count / 2]
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE checkpoint SET root_hash = ? WHERE tree_size = ?",
                           arguments: [Data(repeating: 1, count: 32), middle.size])
        }
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["checkpoint-root"], "\(audit.findings)")
        #expect(audit.findings.first?.index == middle.size - 1)
    }

    // MARK: - 2. Tampering with the files

    /// (f) A stored or quarantined envelope deleted: named with its event's index.
    @Test(arguments: [false, true])
    func deletedEnvelopeIsMissing(quarantined: Bool) throws {
        let fixture = try Fixture()
        let outcome = quarantined ? fixture.rogue : fixture.health
        let path = fixture.envelopePath(outcome)
        #expect(unlink(path) == 0)
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["envelope-missing"], "\(audit.findings)")
        #expect(audit.findings.first?.index == outcome.ledgerIndex)
    }

    /// (g) Bytes appended to a stored or quarantined envelope.
    @Test(arguments: [false, true])
    func alteredEnvelopeIsCaught(quarantined: Bool) throws {
        let fixture = try Fixture()
        let outcome = quarantined ? fixture.unknownCase : fixture.policeV1
        let path = fixture.envelopePath(outcome)
        #expect(chmod(path, 0o644) == 0)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("appended".utf8))
        try handle.close()
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["envelope-altered"], "\(audit.findings)")
        #expect(audit.findings.first?.index == outcome.ledgerIndex)
    }

    /// A stored envelope replaced by a symbolic link to a copy of itself: not a regular file.
    @Test func envelopeReplacedByASymlinkIsCaught() throws {
        let fixture = try Fixture()
        let path = EnvelopeStore(layout: fixture.layout).storedPath(fixture.education.envelopeSha256)
        let copy = "\(fixture.layout.root)/copy.p7m"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        #expect(unlink(path) == 0 && symlink(copy, path) == 0)
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["envelope-altered"], "\(audit.findings)")
        #expect(audit.findings.first?.index == fixture.education.ledgerIndex)
    }

    /// (h) A file in store/ that no event accounts for.
    @Test(arguments: ["extra.p7m", String(repeating: "ab", count: 32) + ".p7m", "notes.txt"])
    func unrecordedFileInStoreIsCaught(name: String) throws {
        let fixture = try Fixture()
        try Data("planted".utf8).write(to: URL(fileURLWithPath: "\(fixture.layout.store)/\(name)"))
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["unrecorded-file"], "\(audit.findings)")
        #expect(audit.findings.first?.message.contains(name) == true)
    }

    // MARK: - 2. Tampering with the index tables

    /// (i) A submission row altered, deleted, or another table's row altered.
    @Test(arguments: [
        ("UPDATE submission SET version = 99 WHERE ledger_index = ?", "table-submission"),
        ("UPDATE submission SET complete = 1 WHERE ledger_index = ?", "table-submission"),
        ("DELETE FROM submission WHERE ledger_index = ?", "table-submission"),
    ])
    func alteredSubmissionRowIsCaught(sql: String, code: String) throws {
        let fixture = try Fixture()
        let index = fixture.education.ledgerIndex
        try fixture.tamper { db in
            try db.execute(sql: sql, arguments: [index])
            #expect(db.changesCount == 1)
        }
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == [code], "\(audit.findings)")
        #expect(audit.findings.first?.index == index)
    }

    @Test func alteredCaseAndAgencyRowsAreCaught() throws {
        let fixture = try Fixture()
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE case_file SET referred = '2026-01-01'")
            try db.execute(sql: "UPDATE case_agency SET agency_id = 'probation' WHERE agency_id = 'education'")
            try db.execute(sql: "DELETE FROM case_milestone")
        }
        let audit = try fixture.audit()
        let codes = Set(Self.codes(audit))
        #expect(codes.isSuperset(of: ["table-case_file", "table-case_agency", "table-case_milestone"]), "\(audit.findings)")
        #expect(audit.findings.contains { $0.code == "table-case_milestone" && $0.index == fixture.meetingIndex })
    }

    /// A certificate pinned to an agency behind the log's back (an extra agency_certificate
    /// row claiming the agency's registration event).
    @Test func certificatePinnedOutsideTheLogIsCaught() throws {
        let fixture = try Fixture()
        let rogue = try sharedPKI.certificate("rogue")
        let registration = try #require(try fixture.ledger.read { db in
            try Int.fetchOne(db, sql: "SELECT ledger_index FROM agency WHERE id = 'police'")
        })
        try fixture.tamper { db in
            try db.execute(sql: "INSERT INTO agency_certificate (fingerprint, agency_id, pem, ledger_index) VALUES (?, 'police', ?, ?)",
                           arguments: [rogue.fingerprint, String(decoding: try rogue.pem(), as: UTF8.self), registration])
        }
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["table-agency_certificate"], "\(audit.findings)")
        #expect(audit.findings.first?.index == registration)
    }

    /// Issue 12, item 7: health's certificate re-pinned to police around the ledger. The next
    /// health-signed "police" return is not accepted (the pin is read against its event), and
    /// `serve --once` and `ingest` refuse to start on tables the log does not back.
    @Test func aPinWrittenAroundTheLedgerIsNotTrusted() async throws {
        let fixture = try Fixture()
        let registration = try #require(try fixture.ledger.read { db in
            try Int.fetchOne(db, sql: "SELECT ledger_index FROM agency WHERE id = 'police'")
        })
        try fixture.tamper { db in
            try db.execute(sql: "INSERT OR REPLACE INTO agency_certificate SELECT fingerprint, 'police', pem, ? FROM agency_certificate WHERE agency_id = 'health'",
                           arguments: [registration])
        }
        let size = try fixture.ledger.treeSize()
        let forged = try fixture.test.cliSeal(TestHome.returnJSON(agency: "police", note: "health as police"), agency: "health")
        let error = #expect(throws: LedgerError.self) { try fixture.test.pipeline().process(forged, channel: "ingest") }
        #expect(error?.code == "tables-disagree", "\(String(describing: error))")
        #expect(try fixture.ledger.treeSize() == size, "nothing recorded")

        _ = try fixture.test.drop(forged)
        let once = try await CommandLineTests.run(["serve", "--once", "--home", fixture.layout.root])
        #expect(once.status == 1 && once.stderr.contains("tables-disagree"), "\(once)")
        try Data(forged).write(to: fixture.test.pki.url("forged-\(size).p7m"))
        let ingest = try await CommandLineTests.run(["ingest", "--home", fixture.layout.root, fixture.test.pki.url("forged-\(size).p7m").path])
        #expect(ingest.status == 1 && ingest.stderr.contains("tables-disagree"), "\(ingest)")
        #expect(try fixture.ledger.treeSize() == size, "nothing recorded")
        #expect(Self.codes(try fixture.audit()).contains("table-agency_certificate"))
    }

    /// Every column of the index tables that the log's events also record is compared: changing
    /// any of them is caught at the event's index.
    @Test(arguments: [
        ("UPDATE submission SET received_at = '2026-11-01T09:00:00.000Z' WHERE agency_id = 'education'", "table-submission"),
        ("UPDATE submission SET missing = '' WHERE agency_id = 'education'", "table-submission"),
        ("UPDATE submission SET channel = 'drop' WHERE agency_id = 'education'", "table-submission"),
        ("UPDATE case_milestone SET on_date = '2026-11-24'", "table-case_milestone"),
        ("UPDATE case_milestone SET detail = 'no-review'", "table-case_milestone"),
        ("UPDATE case_file SET due_panel = '2027-06-01'", "table-case_file"),
        ("UPDATE agency SET name = 'Renamed' WHERE id = 'police'", "table-agency"),
        // The pinned PEM itself: no longer the certificate whose SHA-256 the event records.
        ("UPDATE agency_certificate SET pem = replace(pem, 'M', 'N') WHERE agency_id = 'police'", "table-agency_certificate"),
    ])
    func everyRecordedTableColumnIsCompared(sql: String, code: String) throws {
        let fixture = try Fixture()
        try fixture.tamper { db in
            try db.execute(sql: sql)
            #expect(db.changesCount == 1)
        }
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == [code], "\(audit.findings)")
    }

    // MARK: - 2. Exported checkpoints

    /// (j) A checkpoint exported earlier proves a later truncation, even one made cleanly (the
    /// tail's entries, nodes, checkpoints, table rows and envelopes all removed) that the
    /// internal checks alone cannot see.
    @Test func exportedCheckpointCatchesATruncation() throws {
        let fixture = try Fixture()
        let exported = try SignedNote.parse(#require(try fixture.ledger.latestSignedCheckpoint()).note)
        let untouched = try fixture.audit(exported: [exported])
        #expect(untouched.ok, "\(untouched.findings)")

        // Roll back to the checkpoint before the last few.
        let checkpoints = try fixture.ledger.signedCheckpoints()
        let target = checkpoints[checkpoints.count - 4].size
        try fixture.tamper { db in
            try db.execute(sql: "DELETE FROM log_entry WHERE idx >= ?", arguments: [target])
            try db.execute(sql: "DELETE FROM log_node WHERE (idx + 1) * (1 << level) > ?", arguments: [target])
            try db.execute(sql: "DELETE FROM checkpoint WHERE tree_size > ?", arguments: [target])
            for table in ["agency", "agency_certificate", "case_file", "case_agency", "submission", "case_milestone"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE ledger_index >= ?", arguments: [target])
            }
        }
        let referenced = Set(try fixture.audit().envelopes.filter(\.inStore).map(\.sha256))
        for outcome in fixture.stored where !referenced.contains(outcome.envelopeSha256) {
            #expect(unlink(EnvelopeStore(layout: fixture.layout).storedPath(outcome.envelopeSha256)) == 0)
        }
        let internalOnly = try fixture.audit()
        #expect(internalOnly.ok, "the clean truncation passes the internal checks: \(internalOnly.findings)")
        #expect(internalOnly.treeSize == target)

        let audit = try fixture.audit(exported: [exported])
        #expect(audit.findings.map(\.code) == ["exported-checkpoint-beyond-log"], "\(audit.findings)")
    }

    /// A truncation followed by new, different events (a fork, re-signed with the real key):
    /// the exported checkpoint's size is there again, but its root is not.
    @Test func exportedCheckpointCatchesAFork() throws {
        let fixture = try Fixture()
        let exported = try SignedNote.parse(#require(try fixture.ledger.latestSignedCheckpoint()).note)
        let size = try Checkpoint.parse(exported.text).size
        let target = size - 2
        let checkpoints = try fixture.ledger.signedCheckpoints()
        try #require(checkpoints.contains { $0.size == target })
        try fixture.tamper { db in
            try db.execute(sql: "DELETE FROM log_entry WHERE idx >= ?", arguments: [target])
            try db.execute(sql: "DELETE FROM log_node WHERE (idx + 1) * (1 << level) > ?", arguments: [target])
            try db.execute(sql: "DELETE FROM checkpoint WHERE tree_size > ?", arguments: [target])
            for table in ["agency", "agency_certificate", "case_file", "case_agency", "submission", "case_milestone"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE ledger_index >= ?", arguments: [target])
            }
        }
        // The writable ledger appends two other events on the rolled-back tree, and signs.
        let pipeline = try fixture.test.pipeline()
        for text in ["fork one", "fork two"] { _ = try pipeline.process(Array(text.utf8), channel: "ingest") }
        #expect(try fixture.ledger.treeSize() == size)
        let audit = try fixture.audit(exported: [exported])
        #expect(audit.findings.map(\.code) == ["exported-checkpoint-inconsistent"], "\(audit.findings)")
        #expect(audit.findings.first?.index == size - 1)
        #expect(try fixture.audit().ok, "the fork alone passes the internal checks")
    }

    /// An exported checkpoint of an earlier size still passes after more appends; one signed by
    /// another home's key is refused.
    @Test func exportedCheckpointsOfEarlierSizesAndOtherHomes() throws {
        let fixture = try Fixture()
        let early = try fixture.ledger.signedCheckpoints().map { try SignedNote.parse($0.note) }
        #expect(try fixture.audit(exported: early).ok)

        let other = try TestHome(pki: sharedPKI)
        let foreign = try SignedNote.parse(#require(try other.home.ledger.latestSignedCheckpoint()).note)
        let audit = try fixture.audit(exported: [foreign])
        #expect(audit.findings.map(\.code) == ["bad-exported-checkpoint"], "\(audit.findings)")
    }

    // MARK: - 3. Proofs

    @Test func everyInclusionAndConsistencyProofVerifies() throws {
        let fixture = try Fixture()
        let ledger = fixture.ledger
        let size = try ledger.treeSize()
        let root = try ledger.rootHash(size: size)
        let checkpoints = try ledger.signedCheckpoints()
        #expect(checkpoints.last?.size == size)

        for checkpoint in checkpoints {
            let note = try SignedNote.parse(checkpoint.note)
            #expect(note.isSigned(by: fixture.home.ledgerVerifierKey))
            let body = try Checkpoint.parse(note.text)
            #expect(body.size == checkpoint.size && body.rootHash == checkpoint.rootHash && body.origin == ledger.origin)
            #expect(try ledger.rootHash(size: checkpoint.size) == checkpoint.rootHash)
        }

        for index in 0..<size {
            let leaf = MerkleHashing.leafHash(try fixture.entry(index))
            let proof = try ledger.inclusionProof(index: index, size: size)
            #expect(MerkleVerifier.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root), "index \(index)")
            // Against every checkpoint that holds it, too.
            for checkpoint in checkpoints where index < checkpoint.size {
                let old = try ledger.inclusionProof(index: index, size: checkpoint.size)
                #expect(MerkleVerifier.verifyInclusion(leafHash: leaf, index: index, size: checkpoint.size, proof: old,
                                                       root: checkpoint.rootHash), "index \(index) in \(checkpoint.size)")
            }
            // Not for another leaf.
            let other = MerkleHashing.leafHash(try fixture.entry((index + 1) % size))
            #expect(!MerkleVerifier.verifyInclusion(leafHash: other, index: index, size: size, proof: proof, root: root))
        }

        for (position, older) in checkpoints.enumerated() {
            for newer in checkpoints[(position + 1)...] {
                let proof = try ledger.consistencyProof(from: older.size, to: newer.size)
                #expect(MerkleVerifier.verifyConsistency(size1: older.size, size2: newer.size, root1: older.rootHash,
                                                         root2: newer.rootHash, proof: proof), "\(older.size) → \(newer.size)")
                #expect(!MerkleVerifier.verifyConsistency(size1: older.size, size2: newer.size, root1: newer.rootHash,
                                                          root2: newer.rootHash, proof: proof))
            }
        }

        #expect(throws: LedgerError.self) { try ledger.inclusionProof(index: size, size: size) }
        #expect(throws: LedgerError.self) { try ledger.inclusionProof(index: 0, size: size + 1) }
        #expect(throws: LedgerError.self) { try ledger.consistencyProof(from: 1, to: size + 1) }
    }

    @Test func everyTlogProofRoundTripsAndIsSigned() throws {
        let fixture = try Fixture()
        let ledger = fixture.ledger
        let size = try ledger.treeSize()
        let latest = try #require(try ledger.latestSignedCheckpoint())
        for index in 0..<size {
            let proof = try ledger.tlogProof(index: index)
            let text = proof.format()
            let parsed = try TlogProof.parse(text)
            #expect(parsed == proof)
            #expect(parsed.format() == text)
            #expect(parsed.index == index && parsed.extra == nil)
            #expect(parsed.note.isSigned(by: fixture.home.ledgerVerifierKey))
            #expect(parsed.note.format() == latest.note)
            #expect(parsed.checkpoint.size == size && parsed.checkpoint.origin == ledger.origin)
            #expect(MerkleVerifier.verifyInclusion(leafHash: MerkleHashing.leafHash(try fixture.entry(index)), index: index,
                                                   size: parsed.checkpoint.size, proof: parsed.inclusionProof,
                                                   root: parsed.checkpoint.rootHash))
        }
        #expect(throws: LedgerError.self) { try ledger.tlogProof(index: size) }
    }

    // MARK: - 4. No checkpoint inconsistent with the last

    enum Append: String, CaseIterable, Sendable {
        case rejectedInput, acceptedInput, agency, panelNotified
    }

    @Test(arguments: Append.allCases)
    func ledgerRefusesToSignATreeInconsistentWithItsLastCheckpoint(append: Append) throws {
        let fixture = try Fixture()
        let ledger = fixture.ledger
        let size = try ledger.treeSize()
        let checkpoints = try ledger.signedCheckpoints()
        let latest = try #require(checkpoints.last)
        var forged = latest.rootHash
        forged[0] ^= 0xff
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE checkpoint SET root_hash = ? WHERE tree_size = ?", arguments: [Data(forged), latest.size])
        }
        let storeBefore = fixture.test.files(in: fixture.layout.store)
        let quarantineBefore = fixture.test.files(in: fixture.layout.quarantine)

        let action: () throws -> Void
        switch append {
        case .rejectedInput:
            let pipeline = try fixture.test.pipeline()
            action = { _ = try pipeline.process(Array("more junk".utf8), channel: "ingest") }
        case .acceptedInput:
            let pipeline = try fixture.test.pipeline()
            let envelope = try EnvelopeSealer.seal(TestHome.returnJSON(agency: "health", note: "third"),
                                                   signer: sharedPKI.certificate("health"), key: sharedPKI.key("health"),
                                                   to: [fixture.home.intakeCertificate])
            action = { _ = try pipeline.process(envelope, channel: "ingest") }
        case .agency:
            let certificate = try sharedPKI.certificate("probation")
            let pem = String(decoding: try certificate.pem(), as: UTF8.self)
            action = {
                try ledger.registerAgency(id: "probation", name: "Probation", certificatePEM: pem,
                                          fingerprint: certificate.fingerprint, at: SystemClock.now())
            }
        case .panelNotified:
            action = { try ledger.recordPanelNotified(ref: TestHome.caseRef, on: LocalDate("2026-12-10")!, at: SystemClock.now()) }
        }
        let error = try #require(throws: LedgerError.self) { try action() }
        #expect(error.code == "inconsistent", "\(error)")
        #expect(try ledger.treeSize() == size)
        #expect(try ledger.signedCheckpoints().count == checkpoints.count)
        // Nothing was left behind for the refused input.
        #expect(fixture.test.files(in: fixture.layout.store) == storeBefore)
        #expect(fixture.test.files(in: fixture.layout.quarantine) == quarantineBefore)
        // And verify names the forged checkpoint.
        let audit = try fixture.audit()
        #expect(audit.findings.map(\.code) == ["checkpoint-root"], "\(audit.findings)")
        #expect(audit.findings.first?.index == latest.size - 1)
    }

    // MARK: - 5. The commands

    @Test func verifyCommandPassesAndFailsWithTheIndex() async throws {
        let fixture = try Fixture()
        let home = fixture.layout.root
        let size = try fixture.ledger.treeSize()

        let ok = try await CommandLineTests.run(["verify", "--home", home])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.hasPrefix("ok: \(size) entries"), "\(ok)")
        #expect(ok.stderr.isEmpty, "\(ok)")

        let json = try await CommandLineTests.run(["verify", "--json", "--home", home])
        #expect(json.status == 0, "\(json)")
        let report = try json.json()
        #expect(report["ok"]?.boolValue == true)
        #expect(report["treeSize"]?.intValue == size)
        #expect(report["findings"]?.arrayValue?.isEmpty == true)
        #expect(report["envelopesChecked"]?.intValue == fixture.stored.count + fixture.quarantined.count)

        let index = fixture.policeV2.ledgerIndex
        var entry = try fixture.entry(index)
        entry[entry.count - 2] ^= 0x20
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE log_entry SET entry = ? WHERE idx = ?", arguments: [Data(entry), index])
        }
        let failed = try await CommandLineTests.run(["verify", "--home", home])
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stderrLines.count == 1, "\(failed)")
        #expect(failed.stderr.contains("verify-failed") && failed.stderr.contains("index \(index):"), "\(failed)")
        #expect(failed.stdout.contains("FAIL index \(index): leaf-hash"), "\(failed)")

        let failedJSON = try await CommandLineTests.run(["verify", "--json", "--home", home])
        #expect(failedJSON.status == 1, "\(failedJSON)")
        let failedReport = try failedJSON.json()
        #expect(failedReport["ok"]?.boolValue == false)
        #expect(failedReport["treeSize"]?.intValue == size)
        let first = try #require(failedReport["findings"]?.arrayValue?.first)
        #expect(first["code"]?.stringValue == "leaf-hash" && first["index"]?.intValue == index, "\(failedJSON)")
    }

    @Test func verifyCommandNamesAMissingEnvelope() async throws {
        let fixture = try Fixture()
        #expect(unlink(EnvelopeStore(layout: fixture.layout).storedPath(fixture.health.envelopeSha256)) == 0)
        let failed = try await CommandLineTests.run(["verify", "--home", fixture.layout.root])
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stderr.contains("verify-failed") && failed.stderr.contains("index \(fixture.health.ledgerIndex): envelope-missing"),
                "\(failed)")
    }

    @Test func exportedCheckpointThroughTheCommands() async throws {
        let fixture = try Fixture()
        let home = fixture.layout.root
        let exported = try await CommandLineTests.run(["checkpoint", "--home", home])
        #expect(exported.status == 0, "\(exported)")
        #expect(exported.stdout == (try fixture.ledger.latestSignedCheckpoint())?.note)
        let file = "\(fixture.layout.root)/exported.checkpoint"
        try Data(exported.stdout.utf8).write(to: URL(fileURLWithPath: file))

        let ok = try await CommandLineTests.run(["verify", "--home", home, "--checkpoint", file])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.contains("1 exported checkpoints"), "\(ok)")

        // Roll back the last entry and its checkpoint: the exported checkpoint catches it.
        let size = try fixture.ledger.treeSize()
        try fixture.tamper { db in
            try db.execute(sql: "DELETE FROM log_entry WHERE idx = ?", arguments: [size - 1])
            try db.execute(sql: "DELETE FROM checkpoint WHERE tree_size = ?", arguments: [size])
            try db.execute(sql: "DELETE FROM case_milestone WHERE ledger_index = ?", arguments: [size - 1])
        }
        #expect(fixture.meetingIndex == size - 1)
        let plain = try await CommandLineTests.run(["verify", "--home", home])
        #expect(plain.status == 0, "the rolled-back meeting leaves no internal trace: \(plain)")
        let caught = try await CommandLineTests.run(["verify", "--json", "--home", home, "--checkpoint", file])
        #expect(caught.status == 1, "\(caught)")
        #expect(caught.stderr.contains("verify-failed") && caught.stderr.contains("exported-checkpoint-beyond-log"), "\(caught)")
        #expect(try caught.json()["exportedCheckpointsChecked"]?.intValue == 1)

        let garbage = "\(fixture.layout.root)/garbage.checkpoint"
        try Data("not a note\n".utf8).write(to: URL(fileURLWithPath: garbage))
        let refused = try await CommandLineTests.run(["verify", "--home", home, "--checkpoint", garbage])
        #expect(refused.status == 1 && refused.stderrLines.count == 1, "\(refused)")
    }

    @Test func proveCommandPrintsATlogProof() async throws {
        let fixture = try Fixture()
        let home = fixture.layout.root
        let size = try fixture.ledger.treeSize()
        for index in [0, size / 2, size - 1] {
            let run = try await CommandLineTests.run(["prove", "\(index)", "--home", home])
            #expect(run.status == 0, "\(run)")
            let proof = try TlogProof.parse(run.stdout)
            #expect(proof.index == index && proof.checkpoint.size == size)
            #expect(proof.note.isSigned(by: fixture.home.ledgerVerifierKey))
            #expect(MerkleVerifier.verifyInclusion(leafHash: MerkleHashing.leafHash(try fixture.entry(index)), index: index, size: size,
                                                   proof: proof.inclusionProof, root: proof.checkpoint.rootHash))
        }
        let withEntry = try await CommandLineTests.run(["prove", "0", "--entry", "--home", home])
        #expect(withEntry.status == 0, "\(withEntry)")
        let newline = try #require(withEntry.stdout.firstIndex(of: "\n"))
        #expect(Array(withEntry.stdout[..<newline].utf8) == (try fixture.entry(0)))
        let proof = try TlogProof.parse(String(withEntry.stdout[withEntry.stdout.index(after: newline)...]))
        #expect(proof.index == 0)

        let beyond = try await CommandLineTests.run(["prove", "\(size)", "--home", home])
        #expect(beyond.status == 1 && beyond.stderrLines.count == 1, "\(beyond)")
    }
}
