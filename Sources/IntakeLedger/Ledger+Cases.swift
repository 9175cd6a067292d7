public import IntakeCore
import Foundation
import GRDB

/// Cases: opening them, their milestones, and reading them back for readiness.
extension Ledger {
    /// Opens case `ref`, referred on `referred`, expecting returns from `agencies`.
    @discardableResult
    public func openCase(ref: String, referred: LocalDate, agencies: [String], overrides: [Milestone: LocalDate] = [:],
                         at now: UTCInstant) throws -> Int {
        guard ScopingReturn.isCaseRef(ref) else {
            throw LedgerError("bad-case-ref", "a case reference is pseudonymous, like RR-2026-014")
        }
        guard !agencies.isEmpty else { throw LedgerError("no-agencies", "name at least one expected agency with --agency") }
        guard Set(agencies).count == agencies.count else { throw LedgerError("duplicate-agency", "an agency is named twice") }
        return try pool.write { db in
            if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM case_file WHERE ref = ?)"), arguments: [ref]) ?? false {
                throw LedgerError("case-exists", "case \(ref) is already open")
            }
            for agency in agencies where !(try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM agency WHERE id = ?)"),
                                                              arguments: [agency]) ?? false) {
                throw LedgerError("unknown-agency", "no agency \(agency); register it with `intake agency add`")
            }
            let events = [LedgerEvent.caseOpened(ref: ref, referred: referred, overrides: overrides, at: now)]
                + agencies.map { LedgerEvent.agencyExpected(caseRef: ref, agencyId: $0, at: now) }
            let indices = try append(events, db, at: now)
            try db.cachedStatement(sql: """
                INSERT INTO case_file (ref, referred, due_requests, due_returns, due_meeting, due_panel, ledger_index)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [ref, referred.description, overrides[.requests]?.description, overrides[.returns]?.description,
                                 overrides[.meeting]?.description, overrides[.panel]?.description, indices[0]])
            for (agency, index) in zip(agencies, indices.dropFirst()) {
                try db.cachedStatement(sql: "INSERT INTO case_agency (case_ref, agency_id, ledger_index) VALUES (?, ?, ?)").execute(arguments: [ref, agency, index])
            }
            return indices[0]
        }
    }

    /// Records the Rapid Review meeting for `ref`.
    @discardableResult
    public func recordMeeting(ref: String, held: LocalDate, decision: String, at now: UTCInstant) throws -> Int {
        try recordMilestone(ref: ref, event: .meetingRecorded(caseRef: ref, held: held, decision: decision, at: now),
                            date: held, detail: decision)
    }

    /// Records that the Panel was notified for `ref`: the case closes.
    @discardableResult
    public func recordPanelNotified(ref: String, on date: LocalDate, at now: UTCInstant) throws -> Int {
        try recordMilestone(ref: ref, event: .panelNotified(caseRef: ref, on: date, at: now), date: date, detail: "")
    }

    private func recordMilestone(ref: String, event: LedgerEvent, date: LocalDate, detail: String) throws -> Int {
        try pool.write { db in
            guard let record = try Self.caseRecord(ref, db) else { throw LedgerError("unknown-case", "no case \(ref)") }
            if record.isClosed { throw LedgerError("case-closed", "case \(ref) is closed: the Panel was notified") }
            if event.kind == .meetingRecorded, record.meeting != nil {
                throw LedgerError("meeting-recorded", "the meeting for \(ref) is already recorded")
            }
            if event.kind == .panelNotified, date < record.referred {
                throw LedgerError("bad-date", "the Panel cannot be notified before the referral")
            }
            let index = try append([event], db, at: event.at)[0]
            try db.cachedStatement(sql: "INSERT INTO case_milestone (ledger_index, case_ref, kind, on_date, detail) VALUES (?, ?, ?, ?, ?)").execute(arguments: [index, ref, event.kind.rawValue, date.description, detail])
            return index
        }
    }

    /// Every case, oldest first.
    public func caseRecords() throws -> [CaseRecord] {
        try pool.read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT ref FROM case_file ORDER BY ledger_index")).compactMap { try Self.caseRecord($0, db) }
        }
    }

    public func caseRecord(_ ref: String) throws -> CaseRecord? {
        try pool.read { db in try Self.caseRecord(ref, db) }
    }

    static func caseRecord(_ ref: String, _ db: Database) throws -> CaseRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM case_file WHERE ref = ?"), arguments: [ref]) else { return nil }
        guard let referred = LocalDate(row["referred"] as String) else {
            throw LedgerError("corrupt", "case \(ref) has an unreadable referral date")
        }
        var overrides: [Milestone: LocalDate] = [:]
        for milestone in Milestone.allCases {
            if let text: String = row["due_\(milestone.rawValue)"], let date = LocalDate(text) { overrides[milestone] = date }
        }
        // Due dates set since opening: the latest per milestone wins.
        // Each is checked against its due-date-set event: a row written around the ledger moves no deadline.
        for due in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT d.milestone, d.due, e.entry FROM case_due d LEFT JOIN log_entry e ON e.idx = d.ledger_index
            WHERE d.case_ref = ? ORDER BY d.ledger_index
            """), arguments: [ref]) {
            let event = (due["entry"] as Data?).flatMap { LedgerEvent.parse(entry: [UInt8]($0)) }
            guard let event, event.kind == .dueDateSet, event["caseRef"]?.stringValue == ref,
                  event["milestone"]?.stringValue == due["milestone"], event["due"]?.stringValue == due["due"]
            else {
                throw LedgerError("tables-disagree", "a due date of case \(ref) is not the log's event: the ledger's tables were written around it; run `intake verify`")
            }
            if let milestone = Milestone(rawValue: due["milestone"]), let date = LocalDate(due["due"] as String) { overrides[milestone] = date }
        }
        let agencies = try String.fetchAll(db.cachedStatement(sql: "SELECT agency_id FROM case_agency WHERE case_ref = ? ORDER BY ledger_index"),
                                           arguments: [ref])
        var latest: [String: ReturnRecord] = [:]
        let submissions = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT s.* FROM submission s
            JOIN (SELECT agency_id, MAX(version) AS version FROM submission WHERE case_ref = ?1 GROUP BY agency_id) latest
              ON s.agency_id = latest.agency_id AND s.version = latest.version
            WHERE s.case_ref = ?1
            """), arguments: [ref])
        for submission in submissions {
            latest[submission["agency_id"]] = try returnRecord(submission)
        }
        var record = CaseRecord(ref: ref, referred: referred, overrides: overrides, agencies: agencies, latest: latest,
                                packs: try packs(ref, db))
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT agency_id, issued_at FROM case_request WHERE case_ref = ? ORDER BY ledger_index"),
                                    arguments: [ref]) {
            let agency: String = row["agency_id"]
            if record.requested[agency] == nil, let at = UTCInstant(rfc3339: row["issued_at"]) { record.requested[agency] = at }
        }
        for milestone in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM case_milestone WHERE case_ref = ? ORDER BY ledger_index"),
                                          arguments: [ref]) {
            guard let date = LocalDate(milestone["on_date"] as String) else { continue }
            switch milestone["kind"] as String {
            case "meeting-recorded": record.meeting = (date, milestone["detail"])
            case "panel-notified": record.panelNotified = date
            default: break
            }
        }
        return record
    }

    static func returnRecord(_ row: Row) throws -> ReturnRecord {
        guard let receivedAt = UTCInstant(rfc3339: row["received_at"]) else {
            throw LedgerError("corrupt", "a submission has an unreadable receipt time")
        }
        let missingText: String = row["missing"]
        let missing = missingText.split(separator: ",").compactMap { MissingItem(code: String($0)) }
        let complete: Bool = row["complete"]
        return ReturnRecord(version: row["version"], envelopeSha256: row["envelope_sha256"],
                            contentSha256: row["content_sha256"], receivedAt: receivedAt,
                            completeness: complete ? .complete : .incomplete(missing), ledgerIndex: row["ledger_index"])
    }
}
