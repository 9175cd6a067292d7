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
        try recordOnce(inputKey: inputKey, persist: persist) { db in
            var snapshot: CaseSnapshot?
            if let ref = SubmissionPolicy.caseReference(for: opened), let record = try Self.caseRecord(ref, db) {
                let agency = opened.signerAgency ?? ""
                let latest = record.latest[agency].map {
                    CaseSnapshot.LatestReturn(version: $0.version, contentSha256: $0.contentSha256, ledgerIndex: $0.ledgerIndex)
                }
                snapshot = CaseSnapshot(ref: ref, closed: record.isClosed, expectedAgencies: Set(record.agencies), latest: latest)
            }
            let decision = SubmissionPolicy.decide(opened, case: snapshot)
            try persist(decision.disposition)
            let events = SubmissionPolicy.events(for: decision, facts: facts, opened: opened, at: now)
            let indices = try append(events, db, inputKey: inputKey, at: now)
            if case .accept(let version, _, let completeness) = decision, let document = opened.verdict.scopingReturn {
                try db.cachedStatement(sql: """
                    INSERT INTO submission (ledger_index, case_ref, agency_id, version, envelope_sha256, content_sha256,
                                            received_at, complete, missing, channel)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [indices[0], document.caseRef, document.agencyId, version, facts.envelopeSha256,
                                             opened.contentSha256, facts.receivedAt.rfc3339(milliseconds: true),
                                             completeness.isComplete, completeness.codes.joined(separator: ","), facts.channel])
            }
            var recorded = try Self.recorded(index: indices[0], db, isNew: true)
            if case .reject(_, let message) = decision { recorded.message = message }
            return recorded
        }
    }

    /// Records an input rejected before its content could be read (size, file type, crypto).
    public func recordRejection(
        _ reason: ReasonCode, facts: SubmissionFacts, inputKey: String?, at now: UTCInstant,
        persist: (Disposition) throws -> Void
    ) throws -> Recorded {
        try recordOnce(inputKey: inputKey, persist: persist) { db in
            try persist(.quarantine(reason, ""))
            let index = try append([SubmissionPolicy.rejection(reason, facts: facts, at: now)], db, inputKey: inputKey, at: now)[0]
            return try Self.recorded(index: index, db, isNew: true)
        }
    }

    /// One write transaction for one input: a replay of an input key already recorded only
    /// re-runs `persist` with the earlier disposition and returns the earlier record;
    /// otherwise `record` decides and appends.
    private func recordOnce(inputKey: String?, persist: (Disposition) throws -> Void,
                            record: (Database) throws -> Recorded) throws -> Recorded {
        try requireSigner()
        return try pool.write { db in
            if let inputKey, let prior = try Self.recorded(inputKey: inputKey, db) {
                try persist(prior.disposition)
                return prior
            }
            return try record(db)
        }
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
