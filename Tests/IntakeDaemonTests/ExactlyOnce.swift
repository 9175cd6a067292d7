import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

/// The exactly-once checks the crash and fault-injection tests share.
enum ExactlyOnce {
    /// How many submission events (accepted, duplicate, rejected) name each envelope hash.
    static func submissionEvents(in ledger: Ledger) throws -> [String: Int] {
        var events: [String: Int] = [:]
        for index in 0..<(try ledger.treeSize()) {
            guard let entry = try ledger.entry(at: index), let event = LedgerEvent.parse(entry: entry) else { continue }
            if let sha = event["envelopeSha256"]?.stringValue, event.kind != .returnSuperseded { events[sha, default: 0] += 1 }
        }
        return events
    }

    /// Whether the input with envelope hash `sha` is kept in store/ or quarantine/.
    static func isKept(_ sha: String, in layout: HomeLayout) -> Bool {
        FileManager.default.fileExists(atPath: "\(layout.store)/\(sha).p7m")
            || FileManager.default.fileExists(atPath: "\(layout.quarantine)/\(sha).p7m")
    }
}
