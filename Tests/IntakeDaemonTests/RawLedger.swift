import GRDB
import IntakeDaemon

/// Runs `body` on a raw connection to a home's ledger.sqlite with every trigger
/// dropped and foreign keys off: how the tamper tests play a rogue admin.
func tamperWithLedger(_ layout: HomeLayout, _ body: (Database) throws -> Void) throws {
    var configuration = Configuration()
    configuration.foreignKeysEnabled = false
    let queue = try DatabaseQueue(path: layout.ledger, configuration: configuration)
    try queue.write { db in
        for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
            try db.execute(sql: "DROP TRIGGER \(trigger)")
        }
        try body(db)
    }
    try queue.close()
}
