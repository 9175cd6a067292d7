import ArgumentParser
import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Open cases, list them, change deadlines, issue scoping requests, record the meeting and the Panel notification.",
        subcommands: [Open.self, List.self, Show.self, SetDue.self, Requests.self, Meeting.self, Notified.self]
    )

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open case REF, referred on a date, expecting returns from the named agencies.",
            discussion: "Deadlines follow [timescales] in intake.toml in working days from the referral; override any with the --*-due options."
        )
        @OptionGroup var home: HomeOption
        @Argument(help: "The pseudonymous case reference, e.g. RR-2026-014 (never a name).")
        var ref: String
        @Option(help: "The referral date, YYYY-MM-DD.")
        var referred: String
        @Option(name: .customLong("agency"), help: "An expected agency id (repeat for each agency).")
        var agencies: [String] = []
        @Option(name: .customLong("requests-due"), help: "Override: scoping requests due date.")
        var requestsDue: String?
        @Option(name: .customLong("returns-due"), help: "Override: agency returns due date.")
        var returnsDue: String?
        @Option(name: .customLong("meeting-due"), help: "Override: Rapid Review meeting due date.")
        var meetingDue: String?
        @Option(name: .customLong("panel-due"), help: "Override: Panel notification due date.")
        var panelDue: String?

        func validate() throws {
            guard !agencies.isEmpty else { throw ValidationError("name at least one expected agency with --agency") }
        }

        func run() throws {
            let referredDate = try parseDate(referred, option: "--referred")
            var overrides: [Milestone: LocalDate] = [:]
            for (milestone, text) in [(Milestone.requests, requestsDue), (.returns, returnsDue), (.meeting, meetingDue), (.panel, panelDue)] {
                if let text { overrides[milestone] = try parseDate(text, option: "--\(milestone.rawValue)-due") }
            }
            let opened = try home.open()
            try Failure.report {
                try opened.ledger.openCase(ref: ref, referred: referredDate, agencies: agencies, overrides: overrides, at: SystemClock.now())
                let status = try StatusCommand.status(ref, home: opened)
                print("opened case \(ref): \(agencies.count) agencies expected; returns due \(status.deadlines.returns), meeting due \(status.deadlines.meeting), Panel due \(status.deadlines.panel)")
                if !opened.calendar.covers(referredDate...status.deadlines.panel) {
                    print("warning: the bank-holiday calendar covers \(opened.calendar.coveredYears); deadlines past it count weekends only")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every case with its state and readiness.")
        @OptionGroup var home: HomeOption
        @Flag(help: "JSON output (an array of the objects `intake status REF --json` prints).")
        var json = false

        func run() throws {
            try StatusCommand.board(home: home.open(readOnly: true), json: json, includeClosed: true)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one case: deadlines and each agency's return.")
        @OptionGroup var home: HomeOption
        @Argument(help: "The case reference.") var ref: String
        @Flag(help: "JSON output, as `intake status REF --json`.") var json = false

        func run() throws {
            try StatusCommand.show(ref, home: home.open(readOnly: true), json: json)
        }
    }

    struct Meeting: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the Rapid Review meeting and its decision.")
        @OptionGroup var home: HomeOption
        @Argument(help: "The case reference.") var ref: String
        @Option(help: "The date the meeting was held, YYYY-MM-DD.") var held: String
        @Option(help: "local-review, national-review, no-review or other.") var decision: String

        func run() throws {
            let date = try parseDate(held, option: "--held")
            guard ["local-review", "national-review", "no-review", "other"].contains(decision) else {
                throw ValidationError("--decision must be local-review, national-review, no-review or other")
            }
            let opened = try home.open()
            try Failure.report {
                let index = try opened.ledger.recordMeeting(ref: ref, held: date, decision: decision, at: SystemClock.now())
                let status = try StatusCommand.status(ref, home: opened)
                print("case \(ref): meeting held \(date), decision \(decision) (ledger index \(index)); Panel due \(status.deadlines.panel)")
            }
        }
    }

    struct Notified: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the Panel notification; the case closes to new returns.")
        @OptionGroup var home: HomeOption
        @Argument(help: "The case reference.") var ref: String
        @Option(help: "The date the Panel was notified, YYYY-MM-DD.") var on: String

        func run() throws {
            let date = try parseDate(on, option: "--on")
            let opened = try home.open()
            try Failure.report {
                let index = try opened.ledger.recordPanelNotified(ref: ref, on: date, at: SystemClock.now())
                print("case \(ref): Panel notified \(date) (ledger index \(index)); the case is closed")
            }
        }
    }
}
