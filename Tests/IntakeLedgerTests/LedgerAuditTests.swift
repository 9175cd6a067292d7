import Foundation
import GRDB
import IntakeCore
import IntakeCrypto
@testable import IntakeLedger
import Testing

/// The audit's fast path: `return-superseded` events, which no index table mirrors, are checked
/// from the bytes SQLite holds (canonical scan, kind and envelope columns compared as bytes)
/// without being parsed. Each tampering gives the findings the string-building audit gave.
@Suite struct LedgerAuditFastPathTests {
    static let size = 45

    /// A ledger of `size` `return-superseded` events appended in batches of 7 (7 checkpoints).
    struct Fixture {
        let base: LedgerFixture
        var path: String { base.path }
        var signer: Ed25519NoteSigner { base.signer }
        var ledger: Ledger { base.ledger }

        init() throws {
            base = try LedgerFixture()
            let ledger = base.ledger
            var appended = 0
            while appended < LedgerAuditFastPathTests.size {
                let count = min(7, LedgerAuditFastPathTests.size - appended)
                let at = UTCInstant(secondsSinceEpoch: 1_772_442_000 + Int64(appended), nanoseconds: 125_000_000)
                try ledger.appendBulk((appended..<(appended + count)).map { index in
                    LedgerEvent(.returnSuperseded, at: at, ["caseRef": .string("RR-2026-\(index % 5)"), "agencyId": .string("agency-\(index % 3)"),
                                                            "version": .int(index + 1), "supersededBy": .int(index + 2)])
                }, at: at)
                appended += count
            }
        }

        func audit() throws -> LedgerAudit {
            let key = signer.verifierKey
            return try ledger.audit(isSigned: { $0.isSigned(by: key) })
        }

        /// Runs SQL on a raw connection with the append-only triggers dropped and CHECK
        /// constraints ignored: a rogue admin with write access to the file.
        func tamper(_ sql: String) throws {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = false
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.write { db in
                for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                    try db.execute(sql: "DROP TRIGGER \(trigger)")
                }
                try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
                try db.execute(sql: sql)
            }
            try queue.close()
        }

        func remove() {
            base.remove()
        }
    }

    static func findings(_ audit: LedgerAudit) -> [String] {
        audit.findings.map { "\($0.code)@\($0.index.map(String.init) ?? "-")" }
    }

    @Test func anUntouchedLedgerPasses() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let audit = try fixture.audit()
        #expect(audit.ok, "\(audit.findings)")
        #expect(audit.treeSize == Self.size)
        #expect(audit.checkpointsChecked == 7)
        #expect(audit.rootHash == (try fixture.ledger.rootHash(size: Self.size)))
    }

    /// Entry 20's `envelopeSha256` member inserted before `kind`, so that the entry stays canonical.
    static func withEnvelope(_ value: String) -> String {
        "entry = CAST(replace(CAST(entry AS TEXT), '\"kind\"', '\"envelopeSha256\":\(value),\"kind\"') AS BLOB)"
    }

    @Test(arguments: [
        // The kind column is compared as GRDB reads a String: text up to its first NUL, any type.
        ("UPDATE log_entry SET kind = 'case-opened' WHERE idx = 20", ["entry@20"]),
        ("UPDATE log_entry SET kind = 'return-supersede' WHERE idx = 20", ["entry@20"]),
        ("UPDATE log_entry SET kind = 'Return-superseded' WHERE idx = 20", ["entry@20"]),
        ("UPDATE log_entry SET kind = '' WHERE idx = 20", ["entry@20"]),
        ("UPDATE log_entry SET kind = 5 WHERE idx = 20", ["entry@20"]),
        ("UPDATE log_entry SET kind = CAST('return-superseded' AS BLOB) WHERE idx = 20", []),
        ("UPDATE log_entry SET kind = CAST(X'72657475726e2d73757065727365646564006a756e6b' AS TEXT) WHERE idx = 20", []),
        // The envelope column must be NULL when the event names no envelope…
        ("UPDATE log_entry SET envelope_sha256 = '' WHERE idx = 20", ["entry@20"]),
        ("UPDATE log_entry SET envelope_sha256 = 'x' WHERE idx = 20", ["entry@20"]),
        // …and equal to it (as Swift strings) when it does; the entry no longer hashes to its leaf.
        ("UPDATE log_entry SET \(withEnvelope("\"x\"")) WHERE idx = 20", ["leaf-hash@20", "entry@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET \(withEnvelope("\"x\"")), envelope_sha256 = 'x' WHERE idx = 20", ["leaf-hash@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET \(withEnvelope("\"x\"")), envelope_sha256 = 'y' WHERE idx = 20", ["leaf-hash@20", "entry@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET \(withEnvelope("12")), envelope_sha256 = '12' WHERE idx = 20", ["leaf-hash@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET \(withEnvelope("\"é\"")), envelope_sha256 = CAST(X'65CC81' AS TEXT) WHERE idx = 20",
         ["leaf-hash@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET \(withEnvelope("\"\\\"\"")), envelope_sha256 = '\"' WHERE idx = 20", ["leaf-hash@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET \(withEnvelope("\"ab\"")), envelope_sha256 = CAST(X'616200FF' AS TEXT) WHERE idx = 20",
         ["leaf-hash@20", "checkpoint-root@20"]),
        // Entries and hashes.
        ("UPDATE log_entry SET entry = CAST(entry AS TEXT) WHERE idx = 20", []),
        ("UPDATE log_entry SET entry = entry || ' ' WHERE idx = 20", ["leaf-hash@20", "entry@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET entry = X'' WHERE idx = 20", ["leaf-hash@20", "entry@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET entry = CAST(replace(CAST(entry AS TEXT), '.125Z', '.125z') AS BLOB) WHERE idx = 20",
         ["leaf-hash@20", "entry@20", "checkpoint-root@20"]),
        ("UPDATE log_entry SET leaf_hash = zeroblob(32) WHERE idx = 20", ["leaf-hash@20"]),
        ("UPDATE log_entry SET leaf_hash = X'00' WHERE idx = 20", ["leaf-hash@20"]),
        ("UPDATE log_entry SET leaf_hash = CAST(leaf_hash AS TEXT) WHERE idx = 20", []),
        ("UPDATE log_node SET hash = zeroblob(32) WHERE level = 2 AND idx = 3", ["node@12"]),
        ("UPDATE log_node SET hash = X'' WHERE level = 1 AND idx = 0", ["node@0"]),
        ("INSERT INTO log_node VALUES (0, 3, zeroblob(32))", ["node@3", "extra-nodes@-"]),
        ("DELETE FROM log_entry WHERE idx = 44", ["checkpoint-beyond-log@-"]),
        ("DELETE FROM log_entry WHERE idx = 43", ["node@42", "missing-entry@43", "checkpoint-beyond-log@-", "extra-nodes@-"]),
    ])
    func tamperingIsFoundAsBefore(sql: String, expected: [String]) throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.tamper(sql)
        // Every later checkpoint's root differs too when an entry's hash changes: compare the
        // findings up to the first checkpoint after the damage.
        let found = Self.findings(try fixture.audit()).filter { !$0.hasPrefix("checkpoint-root@") || $0 == "checkpoint-root@20" }
        #expect(found == expected, "\(sql)")
    }
}
