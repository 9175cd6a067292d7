import CoreMetrics
public import IntakeCore
import IntakeLedger
public import Prometheus
import Synchronization

/// The daemon's metrics, through swift-metrics with the Prometheus backend on a registry of
/// its own (so several daemons in one test process do not share counters). `/metrics`
/// renders it in the Prometheus text format. Labels carry channels, outcomes, reason codes,
/// routes, statuses and states only: never case refs, agency ids or anything from content.
public final class IntakeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let healthy = Mutex<Bool>(true)

    /// Pipeline latency buckets, from a small envelope to a large one on a busy machine.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        .seconds(30),
    ]

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["intake_pipeline_duration_seconds"] = Self.latencyBuckets
        self.factory = factory
    }

    /// One input through the pipeline: `intake_submissions_total{channel,outcome,reason}` and
    /// `intake_pipeline_duration_seconds{channel}`.
    public func recordSubmission(channel: String, outcome: Outcome, duration: Duration) {
        Counter(label: "intake_submissions_total",
                dimensions: [("channel", channel), ("outcome", outcome.status.rawValue), ("reason", outcome.reason?.rawValue ?? "")],
                factory: factory).increment()
        Timer(label: "intake_pipeline_duration_seconds", dimensions: [("channel", channel)], factory: factory)
            .recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// One HTTP response: `intake_http_responses_total{route,status}`.
    public func recordResponse(route: String, status: Int) {
        Counter(label: "intake_http_responses_total", dimensions: [("route", route), ("status", "\(status)")], factory: factory)
            .increment()
    }

    /// Requests refused before their bodies were read: `intake_http_refused_total{cause}`
    /// (`rate-limited`, `rejection-limited`, `busy`, `too-large`, `timeout`, `connections`).
    public func recordRefusal(cause: String, count: Int = 1) {
        Counter(label: "intake_http_refused_total", dimensions: [("cause", cause)], factory: factory).increment(by: count)
    }

    /// A storage or ledger failure left an input unprocessed (`intake_errors_total{kind}`).
    public func recordError(kind: String) {
        Counter(label: "intake_errors_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    /// The last checkpoint published: `intake_last_checkpoint_timestamp_seconds` and
    /// `intake_last_checkpoint_tree_size`.
    public func recordCheckpoint(treeSize: Int, at now: UTCInstant) {
        Gauge(label: "intake_last_checkpoint_timestamp_seconds", factory: factory).record(Double(now.secondsSinceEpoch))
        Gauge(label: "intake_last_checkpoint_tree_size", factory: factory).record(Double(treeSize))
    }

    /// Whether the daemon can do its work (`intake_healthy` 1 or 0; `/healthz`).
    public var isHealthy: Bool {
        get { healthy.withLock { $0 } }
    }

    public func setHealthy(_ value: Bool) {
        healthy.withLock { $0 = value }
        Gauge(label: "intake_healthy", factory: factory).record(value ? 1 : 0)
    }

    /// Gauges read from the ledger at scrape time: `intake_ledger_size`,
    /// `intake_cases{state}`, `intake_overdue_returns`.
    public func refresh(home: Home, today: LocalDate) throws {
        Gauge(label: "intake_ledger_size", factory: factory).record(Double(try home.ledger.treeSize()))
        var byState = Dictionary(uniqueKeysWithValues: CaseStatus.State.allCases.map { ($0, 0) })
        var overdue = 0
        for record in try home.ledger.caseRecords() {
            let status = CaseStatus(record: record, timescales: home.settings.timescales, calendar: home.calendar, today: today)
            byState[status.state, default: 0] += 1
            if !record.isClosed { overdue += status.agencies.filter(\.overdue).count }
        }
        for (state, count) in byState {
            Gauge(label: "intake_cases", dimensions: [("state", state.rawValue)], factory: factory).record(Double(count))
        }
        Gauge(label: "intake_overdue_returns", factory: factory).record(Double(overdue))
        Gauge(label: "intake_healthy", factory: factory).record(isHealthy ? 1 : 0)
    }

    /// The Prometheus text exposition format.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
