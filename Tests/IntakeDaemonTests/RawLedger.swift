import GRDB
import IntakeDaemon

/// Runs `body` on a raw connection to a home's ledger.sqlite with the append-only triggers
/// dropped and foreign keys off: how the tamper tests play a rogue admin.
func tamperWithLedger(_ layout: HomeLayout, _ body: (Database) throws -> Void) throws {
    var configuration = Configuration()
    configuration.foreignKeysEnabled = false
    let queue = try DatabaseQueue(path: layout.ledger, configuration: configuration)
    try queue.write { db in
        for table in ["log_entry", "log_node", "checkpoint", "agency", "agency_certificate", "case_file",
                      "case_agency", "submission", "case_milestone"] {
            try db.execute(sql: "DROP TRIGGER IF EXISTS \(table)_no_update")
            try db.execute(sql: "DROP TRIGGER IF EXISTS \(table)_no_delete")
        }
        try body(db)
    }
    try queue.close()
}
