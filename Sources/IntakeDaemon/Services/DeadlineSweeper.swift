public import IntakeCore
import IntakeLedger
public import Logging
public import ServiceLifecycle
import Synchronization

/// The deadline sweeper (issue 5): at start and whenever the date in Europe/London changes,
/// on working days (working-day boundaries), raises each due `return-overdue`, `meeting-due-soon`,
/// `meeting-overdue`, `panel-due-soon` and `panel-overdue` alert once (`DeadlineAlert`): a
/// ledger event each, and per case one log line and one run of `[alerts] command` with each
/// alert's JSON on a line (a burst of 20 runs, then one a minute and a summary line). At every tick (`interval`) it also releases any
/// meeting pack that is due but was not released (after a crash, or a failure such as a full
/// disk or an empty pack-recipients/), and every `retryInterval` while storage is what failed.
public struct DeadlineSweeper: Service {
    let runtime: Runtime
    let logger: Logger
    let clock: @Sendable () -> UTCInstant
    let interval: Duration
    let retryInterval: Duration
    /// Runs of the alert command: `commandBurst` at once, then one a minute.
    private let commandBudget = CommandBudget()

    /// The alert command's token bucket, shared by the sweeper's copies.
    final class CommandBudget: Sendable {
        let bucket = Mutex(TokenBucket(capacity: Double(DeadlineSweeper.commandBurst), refillPerSecond: 1.0 / 60,
                                       now: SystemClock.monotonicSeconds()))
        func take() -> Bool { bucket.withLock { $0.take(now: SystemClock.monotonicSeconds()) } }
    }

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

    /// The alert command's burst: this many runs at once, then one a minute; what is held back
    /// goes out as one summary line.
    public static let commandBurst = 20

    /// Announces newly recorded alerts one case at a time: one log line per case naming its
    /// alerts, and one run of `[alerts] command` per case with one JSON line per alert. Past
    /// `commandBurst` runs (refilled at one a minute), the rest are summed up in a single
    /// `alerts-held` line (to the command and the log) instead of one run each.
    func announce(_ recorded: [(DeadlineAlert, Int)], at now: UTCInstant, command: String) {
        var byCase: [(ref: String, alerts: [(DeadlineAlert, Int)])] = []
        var position: [String: Int] = [:]
        for item in recorded {
            if let at = position[item.0.caseRef] { byCase[at].alerts.append(item) } else {
                position[item.0.caseRef] = byCase.count
                byCase.append((item.0.caseRef, [item]))
            }
        }
        var heldCases: [String] = []
        for (ref, alerts) in byCase {
            let names = alerts.map { alert, _ in alert.agencyId.map { "\(alert.kind.rawValue):\($0)" } ?? alert.kind.rawValue }
            logger.warning("deadline", metadata: ["case": "\(ref)", "alerts": "\(names.joined(separator: ","))",
                                                  "due": "\(Set(alerts.map { $0.0.due.description }).sorted().joined(separator: ","))",
                                                  "index": "\(alerts[0].1)"])
            guard !command.isEmpty else { continue }
            guard commandBudget.take() else {
                heldCases.append(ref)
                continue
            }
            let lines = alerts.map { alert, _ in CanonicalJSON.encodeString(LedgerEvent.alert(alert, at: now).json) + "\n" }
            ShellCommand.start(command, input: lines.joined(), logger: logger, purpose: "alert command")
        }
        guard !heldCases.isEmpty else { return }
        logger.warning("alerts held back", metadata: ["cases": "\(heldCases.count)"])
        let summary = JSONValue.object(["kind": .string("alerts-held"), "at": .string(now.rfc3339(milliseconds: true)),
                                        "cases": .int(heldCases.count),
                                        "message": .string("\(heldCases.count) more cases raised deadline alerts; see intake status")])
        ShellCommand.start(command, input: CanonicalJSON.encodeString(summary) + "\n", logger: logger, purpose: "alert command")
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
            let recorded = try home.ledger.recordAlerts(due, at: now)
            raised = recorded.map(\.0)
            announce(recorded, at: now, command: home.settings.alerts.command)
        } catch {
            logger.error("deadline sweep failed", metadata: ["error": "\(errorCode(error))"])
        }
        return raised
    }
}
