public import IntakeCore
import GRDB

/// Deadlines after a case is opened: changed due dates, the sweeper's alerts, scoping
/// requests issued, calendar imports. Each is a ledger event, committed with its row.
extension Ledger {
    /// Sets `milestone`'s due date for case `ref` (`intake case set-due`).
    @discardableResult
    public func setDue(ref: String, milestone: Milestone, due: LocalDate, at now: UTCInstant) throws -> Int {
        try pool.write { db in
            guard let record = try Self.caseRecord(ref, db) else { throw LedgerError("unknown-case", "no case \(ref)") }
            if record.isClosed { throw LedgerError("case-closed", "case \(ref) is closed: the Panel was notified") }
            if due < record.referred { throw LedgerError("bad-date", "a deadline cannot fall before the referral") }
            let index = try append([.dueDateSet(caseRef: ref, milestone: milestone, due: due, at: now)], db, at: now)[0]
            try db.cachedStatement(sql: "INSERT INTO case_due (ledger_index, case_ref, milestone, due) VALUES (?, ?, ?, ?)")
                .execute(arguments: [index, ref, milestone.rawValue, due.description])
            return index
        }
    }

    /// Every alert raised so far.
    public func raisedAlerts() throws -> Set<DeadlineAlert> {
        try pool.read { db in
            Set(try Row.fetchAll(db.cachedStatement(sql: "SELECT case_ref, kind, agency_id, due FROM case_alert")).compactMap { row in
                guard let kind = DeadlineAlert.Kind(rawValue: row["kind"]), let due = LocalDate(row["due"] as String) else { return nil }
                let agency: String = row["agency_id"]
                return DeadlineAlert(kind: kind, caseRef: row["case_ref"], agencyId: agency.isEmpty ? nil : agency, due: due)
            })
        }
    }

    /// Records `alerts` (one event and row each) in one transaction, skipping any already
    /// raised; returns those recorded with their ledger indices.
    @discardableResult
    public func recordAlerts(_ alerts: [DeadlineAlert], at now: UTCInstant) throws -> [(DeadlineAlert, Int)] {
        guard !alerts.isEmpty else { return [] }
        return try pool.write { db in
            var new: [DeadlineAlert] = []
            var seen = Set<DeadlineAlert>()
            for alert in alerts where seen.insert(alert).inserted {
                let exists = try Bool.fetchOne(db.cachedStatement(sql: """
                    SELECT EXISTS(SELECT 1 FROM case_alert WHERE case_ref = ? AND kind = ? AND agency_id = ? AND due = ?)
                    """), arguments: [alert.caseRef, alert.kind.rawValue, alert.agencyId ?? "", alert.due.description]) ?? false
                if !exists { new.append(alert) }
            }
            guard !new.isEmpty else { return [] }
            // One append (one checkpoint) for them all: a first start on thousands of old cases
            // records its alerts in one transaction.
            let indices = try append(new.map { .alert($0, at: now) }, db, at: now)
            for (alert, index) in zip(new, indices) {
                try db.cachedStatement(sql: "INSERT INTO case_alert (ledger_index, case_ref, kind, agency_id, due) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [index, alert.caseRef, alert.kind.rawValue, alert.agencyId ?? "", alert.due.description])
            }
            return Array(zip(new, indices))
        }
    }

    /// Records that signed scoping requests were issued (`intake case requests`).
    @discardableResult
    public func recordScopingRequests(ref: String, requests: [(agencyId: String, due: LocalDate, sha256: String)],
                                      at now: UTCInstant) throws -> [Int] {
        try pool.write { db in
            guard try Self.caseRecord(ref, db) != nil else { throw LedgerError("unknown-case", "no case \(ref)") }
            let indices = try append(requests.map {
                .scopingRequested(caseRef: ref, agencyId: $0.agencyId, due: $0.due, requestSha256: $0.sha256, at: now)
            }, db, at: now)
            for (request, index) in zip(requests, indices) {
                try db.cachedStatement(sql: "INSERT INTO case_request (ledger_index, case_ref, agency_id, issued_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [index, ref, request.agencyId, now.rfc3339(milliseconds: true)])
            }
            return indices
        }
    }

    /// Records a bank-holiday calendar import (`intake calendar import`).
    @discardableResult
    public func recordCalendarImport(sha256: String, division: String, first: LocalDate, last: LocalDate, at now: UTCInstant) throws -> Int {
        try pool.write { db in
            try append([.calendarImported(sha256: sha256, division: division, first: first, last: last, at: now)], db, at: now)[0]
        }
    }
}

/// Meeting packs.
extension Ledger {
    /// Records pack `number` of case `ref` (its file already durable in packs/), holding the
    /// returns at `returnIndices`. Refuses a number that is not the next.
    @discardableResult
    public func recordPack(ref: String, number: Int, sha256: String, returnIndices: [Int], recipients: [String],
                           missing: [String], overrideReason: String?, at now: UTCInstant) throws -> Int {
        try pool.write { db in
            guard let record = try Self.caseRecord(ref, db) else { throw LedgerError("unknown-case", "no case \(ref)") }
            guard number == (record.packs.last?.number ?? 0) + 1 else {
                throw LedgerError("pack-exists", "pack \(number) of \(ref) is not the next one")
            }
            var fields: [String: JSONValue] = [
                "caseRef": .string(ref), "pack": .int(number), "packSha256": .string(sha256),
                "returns": .array(returnIndices.map(JSONValue.int)), "recipients": .array(recipients.map(JSONValue.string)),
                "missing": .array(missing.map(JSONValue.string)), "override": .bool(overrideReason != nil),
            ]
            if let overrideReason { fields["reason"] = .string(overrideReason) }
            if let previous = record.packs.last { fields["supersedes"] = .int(previous.number) }
            let index = try append([LedgerEvent(.packReleased, at: now, fields)], db, at: now)[0]
            try db.cachedStatement(sql: """
                INSERT INTO pack (ledger_index, case_ref, number, sha256, released_at, return_indices, override)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [index, ref, number, sha256, now.rfc3339(milliseconds: true),
                                         returnIndices.map(String.init).joined(separator: ","), overrideReason != nil])
            return index
        }
    }

    static func packs(_ ref: String, _ db: Database) throws -> [PackRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM pack WHERE case_ref = ? ORDER BY number"), arguments: [ref]).map { row in
            guard let released = UTCInstant(rfc3339: row["released_at"]) else {
                throw LedgerError("corrupt", "a pack has an unreadable release time")
            }
            let indices: String = row["return_indices"]
            return PackRecord(number: row["number"], sha256: row["sha256"], ledgerIndex: row["ledger_index"], releasedAt: released,
                              returnIndices: indices.split(separator: ",").compactMap { Int($0) }, isOverride: row["override"])
        }
    }
}
