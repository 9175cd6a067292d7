public import IntakeCore
import Foundation
import GRDB

/// Recording what arrived: accepted, duplicate and rejected inputs.
extension Ledger {
    /// What the ledger recorded for one input.
    public struct Recorded: Sendable, Equatable {
        /// The first leaf written for the input (the submission event).
        public var ledgerIndex: Int
        public var treeSize: Int
        public var kind: LedgerEvent.Kind
        /// For a rejection, its reason.
        public var reason: ReasonCode?
        /// For an acceptance, the version; for a duplicate, the version it duplicates.
        public var version: Int?
        /// For a duplicate, the index of the original acceptance.
        public var duplicateOf: Int?
        public var caseRef: String?
        public var agencyId: String?
        /// False when this input had already been recorded (a replay after a crash).
        public var isNew: Bool
        /// For an acceptance: whether the return is complete, and what it is missing.
        public var complete: Bool?
        public var missing: [String] = []
        /// For a rejection decided now, the policy's one-line message.
        public var message: String = ""

        public var disposition: Disposition {
            if kind == .submissionRejected { return .quarantine(reason ?? .malformed, message) }
            return .store
        }
    }

    /// Decides on an opened return with the submission policy, inside one write transaction
    /// (so the decision sees the latest state), calls `persist` with the decision (the shell
    /// makes the envelope durable in store/ or quarantine/ there), then appends the events and
    /// the indexes and commits. When `inputKey` was already recorded nothing new is written.
    public func recordOpened(
        _ opened: OpenedReturn, facts: SubmissionFacts, inputKey: String?, at now: UTCInstant,
        persist: (Disposition) throws -> Void
    ) throws -> Recorded {
        try recordGroup(count: 1, at: now) { _, group in
            try group.recordOpened(opened, facts: facts, inputKey: inputKey, persist: persist)
        }[0].get()
    }

    /// Records an input rejected before its content could be read (size, file type, crypto).
    public func recordRejection(
        _ reason: ReasonCode, facts: SubmissionFacts, inputKey: String?, at now: UTCInstant,
        persist: (Disposition) throws -> Void
    ) throws -> Recorded {
        try recordGroup(count: 1, at: now) { _, group in
            try group.recordRejection(reason, facts: facts, inputKey: inputKey, persist: persist)
        }[0].get()
    }

    /// What was recorded for a drop-directory input, if it was.
    public func recorded(inputKey: String) throws -> Recorded? {
        try pool.read { db in try Self.recorded(inputKey: inputKey, db) }
    }

    static func recorded(inputKey: String, _ db: Database) throws -> Recorded? {
        guard let index = try Int.fetchOne(db.cachedStatement(sql: "SELECT idx FROM log_entry WHERE input_key = ?"), arguments: [inputKey])
        else { return nil }
        return try recorded(index: index, db, isNew: false)
    }

    static func recorded(index: Int, _ db: Database, isNew: Bool) throws -> Recorded {
        guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT entry FROM log_entry WHERE idx = ?"), arguments: [index]),
              let event = LedgerEvent.parse(entry: [UInt8](data))
        else { throw LedgerError("corrupt", "log entry \(index) is unreadable") }
        return Recorded(ledgerIndex: index, treeSize: try size(db), kind: event.kind,
                        reason: event["reason"]?.stringValue.flatMap(ReasonCode.init(rawValue:)),
                        version: event["version"]?.intValue, duplicateOf: event["duplicateOf"]?.intValue,
                        caseRef: event["caseRef"]?.stringValue, agencyId: event["agencyId"]?.stringValue, isNew: isNew,
                        complete: event["complete"]?.boolValue,
                        missing: event["missing"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
}
