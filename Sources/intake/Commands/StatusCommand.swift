import ArgumentParser
import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The readiness board: open cases, returns in, and working days to each deadline.",
        discussion: """
        Without REF: every open case with its returns (complete/expected) and the working days left to
        each deadline (negative when overdue). With REF: each expected agency's return: state
        (awaiting, complete, incomplete), version, received time and what an incomplete return misses.
        --json prints the fields of DESIGN §4 (caseRef, referred, state, ready, deadlines, agencies).
        INTAKE_TODAY=YYYY-MM-DD sets today for what-if views.
        """
    )

    @OptionGroup var home: HomeOption
    @Argument(help: "A case reference (default: all open cases).") var ref: String?
    @Flag(help: "JSON output.") var json = false

    func run() throws {
        let opened = try home.open(readOnly: true)
        if let ref {
            try Self.show(ref, home: opened, json: json)
        } else {
            try Self.board(home: opened, json: json, includeClosed: false)
        }
    }

    static func today() throws -> LocalDate {
        try Failure.report { try SystemClock.today(environment: ProcessInfo.processInfo.environment) }
    }

    static func status(_ ref: String, home: Home) throws -> CaseStatus {
        guard let record = try home.ledger.caseRecord(ref) else { throw HomeError("unknown-case", "no case \(ref)") }
        return CaseStatus(record: record, timescales: home.settings.timescales, calendar: home.calendar, today: try today())
    }

    static func show(_ ref: String, home: Home, json: Bool) throws {
        let status = try Failure.report { try Self.status(ref, home: home) }
        if json { print(PrettyJSON.encode(status.json)); return }
        print(render(status, home: home))
    }

    static func render(_ status: CaseStatus, home: Home) -> String {
        var lines = ["\(status.caseRef)  referred \(status.referred)  \(status.state.rawValue)  returns \(status.completeCount)/\(status.agencies.count) complete"]
        for milestone in Milestone.allCases {
            lines.append("  \(milestone.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) due \(status.deadlines[milestone])  "
                + milestoneText(milestone, status, home: home))
        }
        var table: [[String]] = []
        for agency in status.agencies {
            let state = agency.overdue ? "\(agency.state.rawValue) OVERDUE" : agency.state.rawValue
            table.append([agency.agencyId, colour(state, overdue: agency.overdue),
                          agency.latest.map { "v\($0.version)" } ?? "-",
                          agency.latest.map { $0.receivedAt.rfc3339 } ?? "-",
                          agency.latest?.completeness.codes.joined(separator: ",") ?? ""])
        }
        lines.append(contentsOf: tableLines(["AGENCY", "STATE", "VERSION", "RECEIVED", "MISSING"], table))
        return lines.joined(separator: "\n")
    }

    static func board(home: Home, json: Bool, includeClosed: Bool) throws {
        let today = try today()
        let statuses = try Failure.report {
            try home.ledger.caseRecords().filter { includeClosed || !$0.isClosed }.map {
                CaseStatus(record: $0, timescales: home.settings.timescales, calendar: home.calendar, today: today)
            }
        }
        if json { print(PrettyJSON.encode(.array(statuses.map(\.json)))); return }
        if statuses.isEmpty { print(includeClosed ? "No cases." : "No open cases."); return }
        let rows = statuses.map { status -> [String] in
            let overdue = status.agencies.contains { $0.overdue }
            return [status.caseRef, status.referred.description, status.state.rawValue,
                    colour("\(status.completeCount)/\(status.agencies.count)", overdue: overdue)]
                + [Milestone.returns, .meeting, .panel].map { milestoneText($0, status, home: home) }
        }
        for line in tableLines(["CASE", "REFERRED", "STATE", "RETURNS", "RETURNS DUE", "MEETING DUE", "PANEL DUE"], rows) {
            print(line)
        }
    }

    /// A board cell: a milestone already met says so; otherwise the working days left.
    static func milestoneText(_ milestone: Milestone, _ status: CaseStatus, home: Home) -> String {
        switch milestone {
        case .requests where status.requestsSent: return "sent"
        case .returns where status.ready: return "all in"
        case .meeting where status.meeting != nil: return "held \(status.meeting!.held)"
        case .panel where status.panelNotified != nil: return "notified \(status.panelNotified!)"
        case .requests, .returns, .meeting, .panel: return daysText(status.workingDaysLeft(milestone, calendar: home.calendar))
        }
    }

    static func daysText(_ days: Int) -> String {
        days < 0 ? colour("\(-days) wd overdue", overdue: true) : days == 0 ? "today" : "\(days) wd"
    }

    static func colour(_ text: String, overdue: Bool) -> String {
        overdue && isTerminal ? "\u{1B}[31m\(text)\u{1B}[0m" : text
    }

    static func tableLines(_ header: [String], _ rows: [[String]]) -> [String] {
        let visible = { (cell: String) in cell.replacingOccurrences(of: "\u{1B}[31m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "").count }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { visible($0[column]) }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - visible(cell))
            }.joined(separator: "  ")
        }
    }
}
