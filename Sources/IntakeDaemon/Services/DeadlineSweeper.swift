public import IntakeCore
import IntakeLedger
public import Logging
public import ServiceLifecycle

/// The deadline sweeper (issue 5): at start and whenever the date in Europe/London changes,
/// on working days (working-day boundaries), raises each due `return-overdue`, `meeting-due-soon` and
/// `panel-due-soon` alert once (`DeadlineAlert`): a ledger event, a log line, and
/// `[alerts] command` with the alert's JSON. At every tick (`interval`) it also releases any
/// meeting pack that is due but was not released (after a crash, or a failure such as a full
/// disk or an empty pack-recipients/), and every `retryInterval` while storage is what failed.
public struct DeadlineSweeper: Service {
    let runtime: Runtime
    let logger: Logger
    let clock: @Sendable () -> UTCInstant
    let interval: Duration
    let retryInterval: Duration

    public init(runtime: Runtime, logger: Logger, clock: @escaping @Sendable () -> UTCInstant = SystemClock.now,
                interval: Duration = .seconds(60), retryInterval: Duration = .seconds(2)) {
        self.runtime = runtime
        self.logger = logger
        self.clock = clock
        self.interval = interval
        self.retryInterval = retryInterval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var last: LocalDate?
            var lastRelease = ContinuousClock.now
            while !Task.isCancelled {
                let today = clock().londonDate
                let packs = runtime.current.packs
                if today != last {
                    sweep(today: today)
                    last = today
                    lastRelease = .now
                } else if packs.hasFailedRelease || ContinuousClock.now - lastRelease >= interval {
                    packs.releaseAllDueLogging(logger)
                    lastRelease = .now
                }
                try? await Task.sleep(for: min(retryInterval, interval))
            }
        }
    }

    /// One sweep: the alerts due today, recorded and announced; due packs released.
    @discardableResult
    public func sweep(today: LocalDate) -> [DeadlineAlert] {
        let current = runtime.current
        let home = current.home
        var raised: [DeadlineAlert] = []
        // Every sweep, working day or not, releases the packs that are due.
        defer { current.packs.releaseAllDueLogging(logger) }
        // Alerts are for working days: a weekend's or a bank holiday's are raised on the next
        // working day (nothing is lost: the policy looks at the deadlines, not at the day).
        guard home.calendar.isWorkingDay(today) else { return [] }
        do {
            let already = try home.ledger.raisedAlerts()
            var due: [DeadlineAlert] = []
            for record in try home.ledger.caseRecords() where !record.isClosed {
                let status = CaseStatus(record: record, timescales: home.settings.timescales, calendar: home.calendar, today: today)
                due += DeadlineAlert.due(for: status, calendar: home.calendar, soon: home.settings.alerts.soon, raised: already)
            }
            // One time for the ledger events and the command's copies of them.
            let now = clock()
            for (alert, index) in try home.ledger.recordAlerts(due, at: now) {
                raised.append(alert)
                var metadata: Logger.Metadata = ["alert": "\(alert.kind.rawValue)", "case": "\(alert.caseRef)",
                                                 "due": "\(alert.due)", "index": "\(index)"]
                if let agency = alert.agencyId { metadata["agency"] = "\(agency)" }
                logger.warning("deadline", metadata: metadata)
                let command = home.settings.alerts.command
                if !command.isEmpty {
                    ShellCommand.start(command, input: CanonicalJSON.encodeString(LedgerEvent.alert(alert, at: now).json) + "\n",
                                       logger: logger, purpose: "alert command")
                }
            }
        } catch {
            logger.error("deadline sweep failed", metadata: ["error": "\(errorCode(error))"])
        }
        return raised
    }
}
