import GRDB

/// The ledger's schema, as plain SQL migrations. A shipped migration never changes: new
/// needs get a new migration appended to the list.
///
/// Every table is append-only: triggers refuse UPDATE and DELETE, so a record once committed
/// is locked. The Merkle log (`log_entry`, `log_node`, `checkpoint`) is the tamper-evident
/// part; the other tables are indexes over it that `intake verify` checks against the log.
enum Migrations {
    static let v1 = """
    CREATE TABLE log_entry (
        idx             INTEGER PRIMARY KEY CHECK (idx >= 0),
        kind            TEXT    NOT NULL,
        entry           BLOB    NOT NULL,
        leaf_hash       BLOB    NOT NULL CHECK (length(leaf_hash) = 32),
        envelope_sha256 TEXT    CHECK (envelope_sha256 IS NULL OR length(envelope_sha256) = 64),
        -- The drop-directory input's identity: makes re-processing after a crash idempotent.
        -- Not part of the leaf.
        input_key       TEXT    UNIQUE
    );
    CREATE INDEX log_entry_envelope ON log_entry(envelope_sha256);

    -- Perfect subtree hashes above the leaves: node (level, idx) covers leaves
    -- [idx * 2^level, (idx + 1) * 2^level). Level 0 is log_entry.leaf_hash.
    CREATE TABLE log_node (
        level INTEGER NOT NULL CHECK (level >= 1),
        idx   INTEGER NOT NULL CHECK (idx >= 0),
        hash  BLOB    NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, idx)
    ) WITHOUT ROWID;

    CREATE TABLE checkpoint (
        tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 1),
        root_hash BLOB    NOT NULL CHECK (length(root_hash) = 32),
        note      TEXT    NOT NULL,
        signed_at TEXT    NOT NULL
    );

    CREATE TABLE agency (
        id           TEXT    PRIMARY KEY,
        name         TEXT    NOT NULL,
        ledger_index INTEGER NOT NULL REFERENCES log_entry(idx)
    );

    -- A signing certificate is pinned to exactly one agency (the primary key).
    CREATE TABLE agency_certificate (
        fingerprint  TEXT    PRIMARY KEY CHECK (length(fingerprint) = 64),
        agency_id    TEXT    NOT NULL REFERENCES agency(id),
        pem          TEXT    NOT NULL,
        ledger_index INTEGER NOT NULL REFERENCES log_entry(idx)
    );

    CREATE TABLE case_file (
        ref          TEXT    PRIMARY KEY,
        referred     TEXT    NOT NULL,
        due_requests TEXT,
        due_returns  TEXT,
        due_meeting  TEXT,
        due_panel    TEXT,
        ledger_index INTEGER NOT NULL REFERENCES log_entry(idx)
    );

    CREATE TABLE case_agency (
        case_ref     TEXT    NOT NULL REFERENCES case_file(ref),
        agency_id    TEXT    NOT NULL REFERENCES agency(id),
        ledger_index INTEGER NOT NULL REFERENCES log_entry(idx),
        PRIMARY KEY (case_ref, agency_id)
    );

    -- Every accepted version of every return. The latest version per (case, agency) is the
    -- one that counts for readiness; earlier ones are superseded, never removed.
    CREATE TABLE submission (
        ledger_index    INTEGER PRIMARY KEY REFERENCES log_entry(idx),
        case_ref        TEXT    NOT NULL,
        agency_id       TEXT    NOT NULL,
        version         INTEGER NOT NULL CHECK (version >= 1),
        envelope_sha256 TEXT    NOT NULL CHECK (length(envelope_sha256) = 64),
        content_sha256  TEXT    NOT NULL CHECK (length(content_sha256) = 64),
        received_at     TEXT    NOT NULL,
        complete        INTEGER NOT NULL CHECK (complete IN (0, 1)),
        missing         TEXT    NOT NULL,
        channel         TEXT    NOT NULL,
        UNIQUE (case_ref, agency_id, version),
        FOREIGN KEY (case_ref, agency_id) REFERENCES case_agency(case_ref, agency_id)
    );

    -- Meeting and Panel notification milestones.
    CREATE TABLE case_milestone (
        ledger_index INTEGER PRIMARY KEY REFERENCES log_entry(idx),
        case_ref     TEXT    NOT NULL REFERENCES case_file(ref),
        kind         TEXT    NOT NULL CHECK (kind IN ('meeting-recorded', 'panel-notified')),
        on_date      TEXT    NOT NULL,
        detail       TEXT    NOT NULL DEFAULT ''
    );
    """

    static let appendOnlyTables = [
        "log_entry", "log_node", "checkpoint", "agency", "agency_certificate",
        "case_file", "case_agency", "submission", "case_milestone",
    ]

    /// v2 (issue 5): deadlines changed after opening, the sweeper's alerts, released packs.
    static let v2 = """
    -- A milestone's due date set after the case was opened; the latest row per (case,
    -- milestone) wins over the case_file column.
    CREATE TABLE case_due (
        ledger_index INTEGER PRIMARY KEY REFERENCES log_entry(idx),
        case_ref     TEXT    NOT NULL REFERENCES case_file(ref),
        milestone    TEXT    NOT NULL CHECK (milestone IN ('requests', 'returns', 'meeting', 'panel')),
        due          TEXT    NOT NULL
    );

    -- Deadline alerts, raised once each per due date.
    CREATE TABLE case_alert (
        ledger_index INTEGER PRIMARY KEY REFERENCES log_entry(idx),
        case_ref     TEXT    NOT NULL REFERENCES case_file(ref),
        kind         TEXT    NOT NULL CHECK (kind IN ('return-overdue', 'meeting-due-soon', 'panel-due-soon')),
        agency_id    TEXT    NOT NULL DEFAULT '',
        due          TEXT    NOT NULL,
        UNIQUE (case_ref, kind, agency_id, due)
    );

    -- Released meeting packs: packs/REF/pack-N.p7m.
    CREATE TABLE pack (
        ledger_index   INTEGER PRIMARY KEY REFERENCES log_entry(idx),
        case_ref       TEXT    NOT NULL REFERENCES case_file(ref),
        number         INTEGER NOT NULL CHECK (number >= 1),
        sha256         TEXT    NOT NULL CHECK (length(sha256) = 64),
        released_at    TEXT    NOT NULL,
        return_indices TEXT    NOT NULL,
        override       INTEGER NOT NULL CHECK (override IN (0, 1)),
        UNIQUE (case_ref, number)
    );
    """

    static let v2Tables = ["case_due", "case_alert", "pack"]

    /// Triggers that lock every row once committed.
    static var v1Triggers: String { triggers(appendOnlyTables) }

    static func triggers(_ tables: [String]) -> String {
        tables.map { table in
            """
            CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
            BEGIN SELECT RAISE(ABORT, 'the intake ledger is append-only: \(table) rows cannot be updated'); END;
            CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
            BEGIN SELECT RAISE(ABORT, 'the intake ledger is append-only: \(table) rows cannot be deleted'); END;
            """
        }.joined(separator: "\n")
    }

    /// Every key that makes a row unique, per table: what `INSERT OR REPLACE` would silently
    /// delete and rewrite. SQLite runs no DELETE trigger for a REPLACE unless the connection
    /// sets `recursive_triggers`, which the intake's connections do and `sqlite3` does not.
    static let uniqueKeys: [(table: String, keys: [[String]])] = [
        ("log_entry", [["idx"], ["input_key"]]), ("log_node", [["level", "idx"]]), ("checkpoint", [["tree_size"]]),
        ("agency", [["id"]]), ("agency_certificate", [["fingerprint"]]), ("case_file", [["ref"]]),
        ("case_agency", [["case_ref", "agency_id"]]), ("submission", [["ledger_index"], ["case_ref", "agency_id", "version"]]),
        ("case_milestone", [["ledger_index"]]), ("case_due", [["ledger_index"]]),
        ("case_alert", [["ledger_index"], ["case_ref", "kind", "agency_id", "due"]]), ("pack", [["ledger_index"], ["case_ref", "number"]]),
        ("case_request", [["ledger_index"]]),
    ]

    /// The event each index-table row stands for, as a condition on the log entry `e` at the
    /// row's `ledger_index` (the entry is canonical JSON text, so `json_extract` reads it).
    static let mirrors: [(table: String, condition: String)] = [
        ("agency", "e.kind = 'agency-registered' AND \(field("agencyId")) = NEW.id AND \(field("agencyName")) = NEW.name"),
        ("agency_certificate", "e.kind IN ('agency-registered', 'agency-certificate-added') AND \(field("agencyId")) = NEW.agency_id AND \(field("certificateSha256")) = NEW.fingerprint"),
        ("case_file", "e.kind = 'case-opened' AND \(field("caseRef")) = NEW.ref AND \(field("referred")) = NEW.referred"
            + " AND \(field("due.requests")) IS NEW.due_requests AND \(field("due.returns")) IS NEW.due_returns"
            + " AND \(field("due.meeting")) IS NEW.due_meeting AND \(field("due.panel")) IS NEW.due_panel"),
        ("case_agency", "e.kind = 'agency-expected' AND \(field("caseRef")) = NEW.case_ref AND \(field("agencyId")) = NEW.agency_id"),
        ("submission", "e.kind = 'submission-accepted' AND \(field("caseRef")) = NEW.case_ref AND \(field("agencyId")) = NEW.agency_id"
            + " AND \(field("version")) = NEW.version AND \(field("envelopeSha256")) = NEW.envelope_sha256"
            + " AND \(field("contentSha256")) = NEW.content_sha256 AND \(field("receivedAt")) = NEW.received_at"
            + " AND \(field("complete")) = NEW.complete AND \(field("channel")) = NEW.channel"),
        ("case_milestone", "e.kind = NEW.kind AND \(field("caseRef")) = NEW.case_ref"
            + " AND (CASE NEW.kind WHEN 'meeting-recorded' THEN \(field("held")) ELSE \(field("on")) END) = NEW.on_date"),
        ("case_due", "e.kind = 'due-date-set' AND \(field("caseRef")) = NEW.case_ref AND \(field("milestone")) = NEW.milestone AND \(field("due")) = NEW.due"),
        ("case_alert", "e.kind = NEW.kind AND \(field("caseRef")) = NEW.case_ref AND \(field("due")) = NEW.due"
            + " AND COALESCE(\(field("agencyId")), '') = NEW.agency_id"),
        ("pack", "e.kind = 'pack-released' AND \(field("caseRef")) = NEW.case_ref AND \(field("pack")) = NEW.number AND \(field("packSha256")) = NEW.sha256"),
        ("case_request", "e.kind = 'scoping-requested' AND \(field("caseRef")) = NEW.case_ref AND \(field("agencyId")) = NEW.agency_id"
            + " AND \(field("at")) = NEW.issued_at"),
    ]

    static func field(_ path: String) -> String { "json_extract(CAST(e.entry AS TEXT), '$.\(path)')" }

    /// v3 (issue 12): no row replaced, no index row without the log event it stands for, and
    /// log entries only appended at the end.
    /// Tables made after v3, whose v3-style triggers their own migration makes.
    static let laterTables: Set<String> = ["case_request"]

    static var v3: String {
        v3Triggers(uniqueKeys: uniqueKeys.filter { !laterTables.contains($0.table) },
                   mirrors: mirrors.filter { !laterTables.contains($0.table) }, appendOnly: true)
    }

    static func v3Triggers(uniqueKeys: [(table: String, keys: [[String]])], mirrors: [(table: String, condition: String)],
                           appendOnly: Bool) -> String {
        let noReplace = uniqueKeys.map { table, keys in
            let exists = keys.map { key in
                "EXISTS (SELECT 1 FROM \(table) WHERE " + key.map { "\($0) = NEW.\($0)" }.joined(separator: " AND ") + ")"
            }.joined(separator: " OR ")
            return """
            CREATE TRIGGER \(table)_no_replace BEFORE INSERT ON \(table) WHEN \(exists)
            BEGIN SELECT RAISE(ABORT, 'the intake ledger is append-only: \(table) rows cannot be replaced'); END;
            """
        }
        let mirrored = mirrors.map { table, condition in
            """
            CREATE TRIGGER \(table)_mirrors_log BEFORE INSERT ON \(table)
            WHEN NOT EXISTS (SELECT 1 FROM log_entry e WHERE e.idx = NEW.ledger_index AND \(condition))
            BEGIN SELECT RAISE(ABORT, 'the intake ledger: a \(table) row must stand for the log event at its ledger_index'); END;
            """
        }
        let appendOnlyTrigger = """
            CREATE TRIGGER log_entry_at_the_end BEFORE INSERT ON log_entry
            WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx), -1) + 1 FROM log_entry)
            BEGIN SELECT RAISE(ABORT, 'the intake ledger is append-only: log entries are added at the end, with no gap'); END;
            """
        return (noReplace + mirrored + (appendOnly ? [appendOnlyTrigger] : [])).joined(separator: "\n")
    }

    /// v4 (issue 12): `meeting-overdue` and `panel-overdue` alerts, and an index to find a
    /// version by its content. SQLite cannot widen a
    /// CHECK, so `case_alert` is rebuilt under the same name with every row, then its triggers
    /// are made again as v2 and v3 made them.
    static var v4: String {
        return """
        CREATE TABLE case_alert_v4 (
            ledger_index INTEGER PRIMARY KEY REFERENCES log_entry(idx),
            case_ref     TEXT    NOT NULL REFERENCES case_file(ref),
            kind         TEXT    NOT NULL CHECK (kind IN ('return-overdue', 'meeting-due-soon', 'panel-due-soon',
                                                          'meeting-overdue', 'panel-overdue')),
            agency_id    TEXT    NOT NULL DEFAULT '',
            due          TEXT    NOT NULL,
            UNIQUE (case_ref, kind, agency_id, due)
        );
        INSERT INTO case_alert_v4 SELECT ledger_index, case_ref, kind, agency_id, due FROM case_alert;
        -- A version with the same content, found by one lookup (an earlier envelope re-sent
        -- is a duplicate of its version, issue 12).
        CREATE INDEX submission_content ON submission(case_ref, agency_id, content_sha256);
        -- Scoping requests issued (issue 13): the requests milestone is met once every expected
        -- agency has one. Filled from the scoping-requested events already in the log.
        CREATE TABLE case_request (
            ledger_index INTEGER PRIMARY KEY REFERENCES log_entry(idx),
            case_ref     TEXT    NOT NULL REFERENCES case_file(ref),
            agency_id    TEXT    NOT NULL,
            issued_at    TEXT    NOT NULL
        );
        INSERT INTO case_request (ledger_index, case_ref, agency_id, issued_at)
            SELECT idx, json_extract(CAST(entry AS TEXT), '$.caseRef'), json_extract(CAST(entry AS TEXT), '$.agencyId'),
                   json_extract(CAST(entry AS TEXT), '$.at')
            FROM log_entry WHERE kind = 'scoping-requested';
        DROP TABLE case_alert;
        ALTER TABLE case_alert_v4 RENAME TO case_alert;
        """ + "\n" + triggers(["case_alert", "case_request"])
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
            try db.execute(sql: v1Triggers)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: v2)
            try db.execute(sql: triggers(v2Tables))
        }
        migrator.registerMigration("v3") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4") { db in
            try db.execute(sql: v4)
            // case_alert's v3 triggers went with the old table.
            let tables = uniqueKeys.filter { ["case_alert", "case_request"].contains($0.table) }
            let mirrored = mirrors.filter { ["case_alert", "case_request"].contains($0.table) }
            try db.execute(sql: v3Triggers(uniqueKeys: tables, mirrors: mirrored, appendOnly: false))
        }
        return migrator
    }
}
