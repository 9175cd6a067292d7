import ArgumentParser
import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Release a case's meeting pack, encrypted to the certificates in pack-recipients/.",
        subcommands: [Release.self, List.self]
    )

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release the next meeting pack of case REF now.",
            discussion: """
            Writes HOME/packs/REF/pack-N.p7m: a CMS AuthEnvelopedData (AES-256-GCM) to every certificate in
            HOME/pack-recipients/, holding a ZIP with manifest.json, pack.html, each expected agency's latest
            return and its attachments, the signed checkpoint and a tlog-proof per return
            (docs/meeting-pack.md). Recipients open it with
              openssl cms -decrypt -inform DER -in pack-N.p7m -recip me.crt -inkey me.key -out pack.zip
            Records pack-released (the pack's SHA-256) in the ledger. The daemon releases packs itself when
            every return is complete ([pack] auto_release); before that this needs --override and --reason,
            which the ledger records with the agencies still missing. A later release supersedes the earlier.
            """
        )
        @OptionGroup var home: HomeOption
        @Argument(help: "The case reference.") var ref: String
        @Flag(help: "Release although some returns are missing or incomplete.") var override = false
        @Option(help: "Why the pack is released early (recorded in the ledger; no names).") var reason: String?

        func validate() throws {
            if override && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--override needs --reason TEXT")
            }
            if let reason, reason.count > 500 || reason.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                throw ValidationError("--reason must be one line of at most 500 characters")
            }
        }

        func run() throws {
            let opened = try home.open()
            try Failure.report {
                let releaser = try PackReleaser(home: opened, clock: SystemClock.now)
                let released = try releaser.release(ref, overrideReason: override ? reason : nil)
                print("released \(released.path): pack \(released.number) of \(ref), \(released.returns) returns, sha256 \(released.sha256), ledger index \(released.ledgerIndex)")
                if !released.missing.isEmpty { print("released early: missing or incomplete: \(released.missing.joined(separator: ", "))") }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the meeting packs released for case REF.")
        @OptionGroup var home: HomeOption
        @Argument(help: "The case reference.") var ref: String

        func run() throws {
            let opened = try home.open(readOnly: true)
            guard let record = try Failure.report({ try opened.ledger.caseRecord(ref) }) else {
                throw Failure.exit("unknown-case", "no case \(ref)")
            }
            if record.packs.isEmpty { print("No pack released for \(ref)."); return }
            for pack in record.packs {
                let state = pack.number == record.packs.last?.number ? "current" : "superseded"
                print("pack-\(pack.number).p7m  \(pack.releasedAt.rfc3339(milliseconds: false))  \(state)\(pack.isOverride ? "  released early" : "")  sha256 \(pack.sha256)")
            }
        }
    }
}

struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "The bank holidays that are not working days.",
        subcommands: [Import.self, Show.self]
    )

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a newer gov.uk bank-holidays file (https://www.gov.uk/bank-holidays.json).",
            discussion: """
            The file must parse as gov.uk's format and hold the division in [calendar] division. It is kept as
            HOME/bank-holidays.json and overrides the calendar intake ships for the years it covers; every
            deadline is computed with it from then on (restart or reload the daemon). Recorded in the ledger
            (calendar-imported, the file's SHA-256).
            """
        )
        @OptionGroup var home: HomeOption
        @Argument(help: "The gov.uk bank-holidays JSON file.") var file: String

        func run() throws {
            let opened = try home.open()
            try Failure.report {
                let bytes = try DurableFile.read(file, limit: 4 << 20)
                let division = BankHolidays.Division(rawValue: opened.settings.calendar.division) ?? .englandAndWales
                let holidays = try BankHolidays.parse(bytes: bytes, division: division)
                for other in BankHolidays.Division.allCases { _ = try BankHolidays.parse(bytes: bytes, division: other) }
                guard let first = holidays.dates.min(), let last = holidays.dates.max() else {
                    throw HomeError("empty-calendar", "the file lists no \(division.rawValue) holidays")
                }
                try DurableFile.write(bytes, to: opened.layout.root, name: "bank-holidays.json", mode: 0o640)
                let index = try opened.ledger.recordCalendarImport(sha256: SHA256.hex(bytes), division: division.rawValue,
                                                                   first: first, last: last, at: SystemClock.now())
                print("imported \(holidays.dates.count) \(division.rawValue) bank holidays, \(first) to \(last) (years \(holidays.covers.lowerBound)–\(holidays.covers.upperBound)); ledger index \(index)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the bank holidays of a year.")
        @OptionGroup var home: HomeOption
        @Option(help: "The year (default: this year).") var year: Int?

        func run() throws {
            let opened = try home.open(readOnly: true)
            let today = try StatusCommand.today()
            let shown = year ?? today.year
            let days = (1...366).compactMap { LocalDate(year: shown, month: 1, day: 1)?.adding(days: $0 - 1) }.filter { $0.year == shown }
            let holidays = days.filter { opened.calendar.isBankHoliday($0) }
            print("\(opened.settings.calendar.division) \(shown): \(holidays.count) bank holidays\(opened.calendar.covers(days[0]) ? "" : " (not covered by the calendar)")")
            for day in holidays { print("  \(day)") }
        }
    }
}
