import Foundation
import GRDB
public import IntakeCore

/// Group commit: several inputs recorded in one write transaction that signs one checkpoint
/// for them all, so that a burst of inputs costs one checkpoint signature, one WAL fsync and
/// one fsync of each directory written, instead of one of each per input.
///
/// Every input still commits its leaves, the new nodes and a signed checkpoint covering them
/// in one transaction (DESIGN §3); the checkpoint is the group's. Each input runs in its own
/// savepoint: one that fails is rolled back alone and the others are recorded.
extension Ledger {
    /// One input's view of a group commit in progress.
    public struct Group {
        let ledger: Ledger
        let db: Database
        let now: UTCInstant

        /// Decides on an opened return with the submission policy (seeing everything recorded
        /// before it, in this group too), calls `persist` with the decision (the shell makes
        /// the envelope durable in store/ or quarantine/ there), then appends the events and
        /// the indexes. When `inputKey` was already recorded nothing new is written and
        /// `persist` re-runs with the earlier disposition.
        public func recordOpened(_ opened: OpenedReturn, facts: SubmissionFacts, inputKey: String?,
                                 persist: (Disposition) throws -> Void) throws -> Recorded {
            if let prior = try replay(inputKey: inputKey, persist: persist) { return prior }
            var snapshot: CaseSnapshot?
            if let ref = SubmissionPolicy.caseReference(for: opened), let record = try Ledger.caseRecord(ref, db) {
                let agency = opened.signerAgency ?? ""
                let latest = record.latest[agency].map {
                    CaseSnapshot.LatestReturn(version: $0.version, contentSha256: $0.contentSha256, ledgerIndex: $0.ledgerIndex)
                }
                snapshot = CaseSnapshot(ref: ref, closed: record.isClosed, expectedAgencies: Set(record.agencies), latest: latest)
                // The first version this agency had accepted with the same content (one indexed
                // lookup, however many versions there are), and when the latest was signed.
                if let row = try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT version, content_sha256, ledger_index FROM submission
                    WHERE case_ref = ? AND agency_id = ? AND content_sha256 = ? ORDER BY version LIMIT 1
                    """), arguments: [ref, agency, opened.contentSha256]) {
                    snapshot?.sameContent = CaseSnapshot.LatestReturn(version: row["version"], contentSha256: row["content_sha256"],
                                                                      ledgerIndex: row["ledger_index"])
                }
                if let latest, let entry = try Data.fetchOne(db.cachedStatement(sql: "SELECT entry FROM log_entry WHERE idx = ?"),
                                                              arguments: [latest.ledgerIndex]).map({ [UInt8]($0) }),
                   let signed = LedgerEvent.parse(entry: entry)?["signingTime"]?.stringValue {
                    snapshot?.latestSigningTime = UTCInstant(rfc3339: signed)?.secondsSinceEpoch
                }
            }
            let decision = SubmissionPolicy.decide(opened, case: snapshot, receivedAt: facts.receivedAt.secondsSinceEpoch)
            try persist(decision.disposition)
            let events = SubmissionPolicy.events(for: decision, facts: facts, opened: opened, at: now)
            let indices = try ledger.append(events, db, inputKey: inputKey, at: now, sign: false)
            if case .accept(let version, _, let completeness) = decision, let document = opened.verdict.scopingReturn {
                try db.cachedStatement(sql: """
                    INSERT INTO submission (ledger_index, case_ref, agency_id, version, envelope_sha256, content_sha256,
                                            received_at, complete, missing, channel)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [indices[0], document.caseRef, document.agencyId, version, facts.envelopeSha256,
                                             opened.contentSha256, facts.receivedAt.rfc3339(milliseconds: true),
                                             completeness.isComplete, completeness.codes.joined(separator: ","), facts.channel])
            }
            var recorded = try Ledger.recorded(index: indices[0], db, isNew: true)
            if case .reject(_, let message) = decision { recorded.message = message }
            return recorded
        }

        /// Records an input rejected before its content could be read (size, file type, crypto).
        public func recordRejection(_ reason: ReasonCode, facts: SubmissionFacts, inputKey: String?,
                                    persist: (Disposition) throws -> Void) throws -> Recorded {
            if let prior = try replay(inputKey: inputKey, persist: persist) { return prior }
            try persist(.quarantine(reason, ""))
            let index = try ledger.append([SubmissionPolicy.rejection(reason, facts: facts, at: now)], db, inputKey: inputKey,
                                          at: now, sign: false)[0]
            return try Ledger.recorded(index: index, db, isNew: true)
        }

        /// A replay of an input key already recorded (a crash after commit, before the input
        /// left the drop directory): re-runs `persist` with the earlier disposition and returns
        /// the earlier record.
        private func replay(inputKey: String?, persist: (Disposition) throws -> Void) throws -> Recorded? {
            guard let inputKey, let prior = try Ledger.recorded(inputKey: inputKey, db) else { return nil }
            try persist(prior.disposition)
            return prior
        }
    }

    /// Records `count` inputs in one write transaction: `record` runs for each in turn, in its
    /// own savepoint; then one checkpoint is signed for the tree they made, `beforeCommit` runs
    /// (the shell makes its directory entries durable there), and the transaction commits.
    /// Returns each input's result, with the tree size of the group's checkpoint. An input
    /// whose `record` throws is rolled back alone. When the transaction itself cannot commit
    /// (or SQLite abandoned it), this throws and nothing of the group is recorded.
    public func recordGroup(count: Int, at now: UTCInstant, beforeCommit: () throws -> Void = {},
                            _ record: (Int, Group) throws -> Recorded) throws -> [Result<Recorded, any Error>] {
        try requireSigner()
        return try pool.write { db in
            let before = try Self.size(db)
            let group = Group(ledger: self, db: db, now: now)
            var results: [Result<Recorded, any Error>] = []
            results.reserveCapacity(count)
            for index in 0..<count {
                do {
                    var recorded: Recorded?
                    try db.inSavepoint {
                        recorded = try record(index, group)
                        return .commit
                    }
                    guard let recorded else { throw LedgerError("internal", "an input of a group recorded nothing") }
                    results.append(.success(recorded))
                } catch {
                    // Some SQLite errors (a full disk, an I/O error) end the whole transaction:
                    // then nothing more may be written in what would be autocommit mode.
                    guard db.isInsideTransaction else { throw error }
                    results.append(.failure(error))
                }
            }
            let size = try Self.size(db)
            if size > before { try signCheckpoint(db, size: size, at: now) }
            try beforeCommit()
            return results.map { result in result.map { recorded in
                var recorded = recorded
                recorded.treeSize = size
                return recorded
            } }
        }
    }
}
