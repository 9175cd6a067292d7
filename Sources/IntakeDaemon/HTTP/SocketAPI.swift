import Dispatch
public import IntakeCore
import IntakeLedger
public import Logging
import Synchronization

/// The socket's application: admission (rate limits, concurrency, body memory) and the
/// routes of DESIGN §6 (docs/openapi.json), independent of the HTTP transport. A submission
/// runs the same pipeline as the drop directory: the CPU-bound half on the worker threads,
/// the recording half on one recorder thread that commits the submissions waiting together
/// as one group, and the receipt is signed back on a worker.
public final class SocketAPI: Sendable {
    let runtime: Runtime
    let metrics: IntakeMetrics
    let logger: Logger
    let publisher: CheckpointPublisher?
    let onOutcome: @Sendable (Outcome) -> Void
    let limits: Settings.Listen
    let clock: @Sendable () -> UTCInstant
    /// Monotonic seconds, for the rate limits.
    let monotonic: @Sendable () -> Double
    private let limiter: Mutex<PeerLimiter>
    private let usage = Mutex<(bodyBytes: Int, inFlight: Int)>((0, 0))
    private let work = DispatchQueue(label: "intake.socket.work", attributes: .concurrent)
    private let workers: WorkerThreads
    private let recorder: GroupRecorder
    let answering: Answering

    /// Where `handle` answers a request.
    public enum Answering: Sendable {
        /// Off the event loop: a submission on the worker threads and the recorder, anything
        /// else on a Dispatch queue. What a server does.
        case onWorkerQueue
        /// On the calling thread, before `handle` returns (the recording still on the
        /// recorder's thread): for a connection driven on a single-threaded
        /// `EmbeddedEventLoop` (the HTTP fuzz target), which must not be resumed from another
        /// thread. It blocks the event loop: never for a real server.
        case onCallingThread
    }

    public init(runtime: Runtime, metrics: IntakeMetrics, logger: Logger, publisher: CheckpointPublisher? = nil,
                clock: @escaping @Sendable () -> UTCInstant = SystemClock.now,
                monotonic: @escaping @Sendable () -> Double = SystemClock.monotonicSeconds,
                workers: WorkerThreads = .shared, recorder: GroupRecorder = .shared, answering: Answering = .onWorkerQueue,
                onOutcome: @escaping @Sendable (Outcome) -> Void = { _ in }) {
        self.answering = answering
        self.recorder = recorder
        self.runtime = runtime
        self.workers = workers
        self.onOutcome = onOutcome
        self.metrics = metrics
        self.logger = logger
        self.publisher = publisher
        self.clock = clock
        self.monotonic = monotonic
        limits = runtime.home.settings.listen
        limiter = Mutex(PeerLimiter(rate: limits.rate, burst: limits.burst, rejectionsPerHour: limits.rejectionsPerHour))
    }

    /// The largest body accepted (`[policy] max_envelope_bytes`).
    public var bodyLimit: Int { runtime.home.settings.policy.maxEnvelopeBytes }

    /// What admission holds for a request until it is answered: a share of the body memory
    /// and, for a submission, one of the `max_concurrent` slots.
    public struct Ticket: Sendable, Equatable {
        public var reservedBytes: Int = 0
        public var holdsSlot = false
        public init() {}
    }

    public enum Admission: Sendable, Equatable {
        case admitted(Ticket)
        case refused(status: Int, code: String, message: String, retryAfter: Int)
    }

    /// Decides whether a request whose head has arrived may send its body.
    public func admit(route: HTTPRoute, declaredLength: Int?, peer: String) -> Admission {
        let submission = route == .submit
        let verdict = limiter.withLock { $0.admit(peer: peer, submission: submission, now: monotonic()) }
        if case .refuse(let cause, let retryAfter) = verdict {
            metrics.recordRefusal(cause: cause.rawValue)
            let message = cause == .rateLimited ? "too many requests; retry later" : "too many rejected submissions; retry later"
            return .refused(status: 429, code: cause.rawValue, message: message, retryAfter: retryAfter)
        }
        guard submission else { return .admitted(Ticket()) }
        let reserve = min(declaredLength ?? Self.chunkReservation, bodyLimit)
        let granted = usage.withLock { usage -> Bool in
            guard usage.inFlight < limits.maxConcurrent, usage.bodyBytes + reserve <= limits.maxBodyMemory else { return false }
            usage.inFlight += 1
            usage.bodyBytes += reserve
            return true
        }
        guard granted else {
            metrics.recordRefusal(cause: "busy")
            return .refused(status: 503, code: "busy", message: "the intake is busy; retry later", retryAfter: 1)
        }
        var ticket = Ticket()
        ticket.reservedBytes = reserve
        ticket.holdsSlot = true
        return .admitted(ticket)
    }

    /// A chunked body's memory is reserved a megabyte at a time as it grows.
    static let chunkReservation = 1 << 20

    /// Grows `ticket` to cover `total` body bytes; false when the memory budget is spent.
    public func reserve(_ ticket: inout Ticket, total: Int) -> Bool {
        guard total > ticket.reservedBytes else { return true }
        let more = max(total - ticket.reservedBytes, Self.chunkReservation)
        let granted = usage.withLock { usage -> Bool in
            guard usage.bodyBytes + more <= limits.maxBodyMemory else { return false }
            usage.bodyBytes += more
            return true
        }
        if granted { ticket.reservedBytes += more } else { metrics.recordRefusal(cause: "busy") }
        return granted
    }

    /// Gives back what `ticket` holds.
    public func release(_ ticket: Ticket) {
        guard ticket.reservedBytes > 0 || ticket.holdsSlot else { return }
        usage.withLock { usage in
            usage.bodyBytes -= ticket.reservedBytes
            if ticket.holdsSlot { usage.inFlight -= 1 }
        }
    }

    /// Submissions admitted and not yet answered (graceful shutdown waits for none).
    public var inFlight: Int { usage.withLock { $0.inFlight } }

    /// Body memory reserved by requests not yet answered (`max_body_memory` bounds it).
    public var reservedBodyBytes: Int { usage.withLock { $0.bodyBytes } }

    /// Logs and resets the refusals counted since the last call: one line per peer and cause.
    public func summariseRefusals() {
        for refusals in limiter.withLock({ $0.takeSummary() }) {
            logger.warning("requests refused", metadata: [
                "peer": "\(refusals.peer)", "cause": "\(refusals.cause.rawValue)", "count": "\(refusals.count)",
            ])
        }
    }

    /// Answers a whole request off the event loop and off Swift's cooperative pool (which
    /// blocking file and database work must not starve), then calls `completion` with the
    /// reply: a submission is prepared on a worker thread, recorded by the recorder with the
    /// other submissions waiting, and answered (its receipt signed) on a worker thread. With
    /// `.onCallingThread`, it answers before returning instead.
    public func handle(_ route: HTTPRoute, body: [UInt8], peer: String, completion: @escaping @Sendable (HTTPReply) -> Void) {
        if case .onCallingThread = answering {
            completion(respond(route, body: body, peer: peer))
            return
        }
        guard route == .submit else {
            work.async { completion(self.respond(route, body: body, peer: peer)) }
            return
        }
        let started = ContinuousClock.now
        let current = runtime.current
        workers.submit {
            self.prepareAndRecord(body, current: current) { recorded in
                self.workers.submit { completion(self.answer(recorded, current: current, peer: peer, started: started)) }
            }
        }
    }

    /// Prepares a submission on the calling thread and has the recorder record it in its turn;
    /// `done` gets the outcome (on the recorder's thread), or the failure to prepare it (on this one).
    private func prepareAndRecord(_ body: [UInt8], current: Runtime.Current,
                                  done: @escaping @Sendable (Result<Outcome, any Error>) -> Void) {
        let prepared: Pipeline.Prepared
        do {
            prepared = try current.pipeline.prepare(body, channel: "socket")
        } catch {
            done(.failure(error))
            return
        }
        recorder.record(prepared, with: current.pipeline, done: done)
    }

    /// Answers a whole request, blocking the calling thread.
    public func respond(_ route: HTTPRoute, body: [UInt8], peer: String) -> HTTPReply {
        let reply: HTTPReply
        switch route {
        case .submit:
            // Prepared here, recorded in its turn by the recorder, answered here.
            let started = ContinuousClock.now
            let current = runtime.current
            let done = DispatchSemaphore(value: 0)
            let box = Mutex<Result<Outcome, any Error>?>(nil)
            prepareAndRecord(body, current: current) { result in
                box.withLock { $0 = result }
                done.signal()
            }
            done.wait()
            return answer(box.withLock { $0! }, current: current, peer: peer, started: started)  // answer() counts the response
        case .caseStatus(let ref): reply = caseStatus(ref)
        case .health: reply = health()
        case .metrics: reply = metricsReply()
        }
        metrics.recordResponse(route: route.metricName, status: reply.status)
        return reply
    }

    /// The answer to a submission once it is recorded (or could not be): 201 with the signed
    /// receipt, 200 with the original receipt for a duplicate, 4xx for a rejection, 503 when
    /// storage or the ledger failed (nothing was kept; the client retries).
    func answer(_ recorded: Result<Outcome, any Error>, current: Runtime.Current, peer: String, started: ContinuousClock.Instant) -> HTTPReply {
        let reply: HTTPReply
        do {
            reply = try accepted(recorded.get(), current: current, peer: peer, started: started)
        } catch {
            // Storage or ledger trouble: nothing was recorded (the transaction rolled back and
            // what it wrote was removed); the client keeps the envelope and retries.
            let code = errorCode(error)
            metrics.recordError(kind: code)
            metrics.setHealthy(false)
            logger.error("submission not recorded", metadata: ["channel": "socket", "peer": "\(peer)", "error": "\(code)"])
            reply = .error(503, "unavailable", "the submission could not be recorded (\(code)); nothing was kept; retry later",
                           headers: [("Retry-After", "5")])
        }
        metrics.recordResponse(route: HTTPRoute.submit.metricName, status: reply.status)
        return reply
    }

    private func accepted(_ outcome: Outcome, current: Runtime.Current, peer: String, started: ContinuousClock.Instant) throws -> HTTPReply {
        let elapsed = ContinuousClock.now - started
        metrics.recordSubmission(channel: "socket", outcome: outcome, duration: elapsed)
        if !metrics.isHealthy { metrics.setHealthy(true) }
        var metadata = outcome.logMetadata(channel: "socket", elapsed: elapsed)
        metadata["peer"] = "\(peer)"
        logger.info("submission", metadata: metadata)
        publisher?.publish()
        onOutcome(outcome)
        guard outcome.status != .rejected else {
            limiter.withLock { $0.recordRejection(peer: peer, now: monotonic()) }
            let reason = outcome.reason ?? .malformed
            var members: [String: JSONValue] = [
                "error": .string(reason.rawValue), "message": .string(outcome.message),
                "envelopeSha256": .string(outcome.envelopeSha256), "ledgerIndex": .int(outcome.ledgerIndex),
            ]
            if let caseRef = outcome.caseRef { members["caseRef"] = .string(caseRef) }
            return .json(reason.httpStatus, .object(members))
        }
        // A duplicate is answered with the original acceptance's receipt.
        let receiptIndex = outcome.status == .duplicate ? (outcome.duplicateOf ?? outcome.ledgerIndex) : outcome.ledgerIndex
        let receipt = try current.receipts.sign(current.receipts.receipt(index: receiptIndex))
        var members: [String: JSONValue] = [
            "status": .string(outcome.status.rawValue), "envelopeSha256": .string(outcome.envelopeSha256),
            "ledgerIndex": .int(outcome.ledgerIndex), "treeSize": .int(outcome.treeSize),
            "receipt": .string(Base64.encode(receipt)),
        ]
        if let caseRef = outcome.caseRef { members["caseRef"] = .string(caseRef) }
        if let agencyId = outcome.agencyId { members["agencyId"] = .string(agencyId) }
        if let version = outcome.version { members["version"] = .int(version) }
        if let original = outcome.duplicateOf { members["duplicateOf"] = .int(original) }
        if outcome.status != .duplicate { members["missing"] = .array(outcome.missing.map(JSONValue.string)) }
        if let signed = outcome.signedReceipt { members["signedReceipt"] = .string(Base64.encode(signed)) }
        return .json(outcome.status == .duplicate ? 200 : 201, .object(members))
    }

    func caseStatus(_ ref: String) -> HTTPReply {
        let home = runtime.home
        guard ScopingReturn.isCaseRef(ref) else { return .error(404, "unknown-case", "no such case") }
        do {
            guard let record = try home.ledger.caseRecord(ref) else { return .error(404, "unknown-case", "no such case") }
            let status = CaseStatus(record: record, timescales: home.settings.timescales, calendar: home.calendar,
                                    today: clock().londonDate)
            return .json(200, status.json)
        } catch {
            return .error(503, "unavailable", "the ledger could not be read")
        }
    }

    func health() -> HTTPReply {
        do {
            _ = try runtime.home.ledger.treeSize()
        } catch {
            metrics.setHealthy(false)
            return .json(503, .object(["status": .string("unhealthy"), "reason": .string("ledger-unreadable")]))
        }
        guard metrics.isHealthy else { return .json(503, .object(["status": .string("unhealthy"), "reason": .string("degraded")])) }
        return .json(200, .object(["status": .string("ok")]))
    }

    func metricsReply() -> HTTPReply {
        try? metrics.refresh(home: runtime.home, today: clock().londonDate)
        return HTTPReply(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
    }
}

extension HTTPRoute {
    /// The route's name in metrics (no case refs).
    var metricName: String {
        switch self {
        case .submit: "submissions"
        case .caseStatus: "cases"
        case .health: "healthz"
        case .metrics: "metrics"
        }
    }
}

extension Duration {
    /// Whole milliseconds, for logs.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
