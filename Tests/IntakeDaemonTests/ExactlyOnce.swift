import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

/// The exactly-once checks the crash and fault-injection tests share.
enum ExactlyOnce {
    /// One submission event (accepted, duplicate, rejected) of the ledger.
    struct Event: Equatable {
        var kind: LedgerEvent.Kind
        var index: Int
        var contentSha256: String?
    }

    /// The submission events naming each envelope hash, in ledger order.
    static func events(in ledger: Ledger) throws -> [String: [Event]] {
        var events: [String: [Event]] = [:]
        for index in 0..<(try ledger.treeSize()) {
            guard let entry = try ledger.entry(at: index), let event = LedgerEvent.parse(entry: entry) else { continue }
            if let sha = event["envelopeSha256"]?.stringValue, event.kind != .returnSuperseded {
                events[sha, default: []].append(Event(kind: event.kind, index: index, contentSha256: event["contentSha256"]?.stringValue))
            }
        }
        return events
    }

    /// How many submission events (accepted, duplicate, rejected) name each envelope hash.
    static func submissionEvents(in ledger: Ledger) throws -> [String: Int] {
        try events(in: ledger).mapValues(\.count)
    }

    /// Whether the input with envelope hash `sha` is kept in store/ or quarantine/.
    static func isKept(_ sha: String, in layout: HomeLayout) -> Bool {
        FileManager.default.fileExists(atPath: "\(layout.store)/\(sha).p7m")
            || FileManager.default.fileExists(atPath: "\(layout.quarantine)/\(sha).p7m")
    }
}
