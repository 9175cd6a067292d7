public import Logging
public import ServiceLifecycle
import Dispatch
import IntakeCore
import IntakeLedger
import Synchronization

/// The drop-directory watcher as a long-running service: scans the inboxes at start-up for
/// anything that arrived while it was down, then processes the inputs inotify reports, with a
/// full rescan every `rescanSeconds` as a safety net. Inputs are taken in batches (whatever
/// is waiting when the previous batch is done, up to `DropQueue.batchSize`), opened on the
/// worker threads and recorded in groups. It is ready as soon as it watches: a backlog is
/// taken in the background. On graceful shutdown it stops taking new inputs and returns once
/// the batch in hand is finished.
public struct DropDirectoryService: Service {
    /// The drop directory to use for each input: the runtime's current one (SIGHUP swaps it).
    let current: @Sendable () -> DropDirectory
    var drop: DropDirectory { current() }
    let logger: Logger
    let rescanSeconds: Int
    let onOutcome: @Sendable (String, Outcome) -> Void
    let onReady: @Sendable () -> Void
    let publisher: CheckpointPublisher?
    let metrics: IntakeMetrics?
    private let state = State()

    /// With a `publisher`, new signed checkpoints are published after each input.
    public init(drop: DropDirectory, logger: Logger, rescanSeconds: Int = 60, publisher: CheckpointPublisher? = nil,
                onReady: @escaping @Sendable () -> Void = {},
                onOutcome: @escaping @Sendable (String, Outcome) -> Void = { _, _ in }) {
        self.init(current: { drop }, logger: logger, rescanSeconds: rescanSeconds, publisher: publisher, onReady: onReady,
                  onOutcome: onOutcome)
    }

    /// A service whose drop directory is `current()` at each input (a `Runtime`'s, reloadable).
    public init(current: @escaping @Sendable () -> DropDirectory, logger: Logger, rescanSeconds: Int = 60,
                publisher: CheckpointPublisher? = nil, metrics: IntakeMetrics? = nil, onReady: @escaping @Sendable () -> Void = {},
                onOutcome: @escaping @Sendable (String, Outcome) -> Void = { _, _ in }) {
        self.current = current
        self.metrics = metrics
        self.logger = logger
        self.publisher = publisher
        self.rescanSeconds = rescanSeconds
        self.onReady = onReady
        self.onOutcome = onOutcome
    }

    public func run() async throws {
        let watcher = try InotifyWatcher(dropDirectory: drop.pipeline.home.layout.drop)
        let worker = DispatchQueue(label: "intake.drop")
        let queue = DropQueue()
        /// Queues work; the worker drains the queue in batches, one drain at a time.
        @Sendable func request(_ work: DropQueue.Work) {
            guard queue.add(work) else { return }
            worker.async { drain(queue) }
        }
        // Watches first, then the start-up scan: nothing can slip between the two. The daemon
        // is ready once it watches; a backlog found at start-up is taken in the background.
        request(.rescan)
        onReady()
        let ticker = Task {
            var lastScan = ContinuousClock.now
            while !Task.isCancelled {
                // An input left in place by a failure (a full or read-only disk, an I/O error) is
                // retried within 2 seconds, so that intake resumes by itself as soon as it can
                // write again; otherwise a full rescan every `rescanSeconds` is the safety net.
                try? await Task.sleep(for: .seconds(min(2, rescanSeconds)))
                if Task.isCancelled { break }
                // Unhealthy (a full or read-only disk): probe, and recover as soon as the disk
                // takes a durable write, whether or not an input is waiting to prove it.
                if let metrics, !metrics.isHealthy, StorageProbe.writable(drop.pipeline.home.layout) {
                    metrics.setHealthy(true)
                    logger.notice("storage writable again: processing resumed")
                }
                guard state.inputsLeft.load(ordering: .acquiring) || ContinuousClock.now - lastScan >= .seconds(rescanSeconds)
                else { continue }
                lastScan = ContinuousClock.now
                request(.rescan)
            }
        }
        await withGracefulShutdownHandler {
            for await event in watcher.events {
                switch event {
                case .input(let relative): request(.input(relative))
                case .rescan: request(.rescan)
                }
            }
        } onGracefulShutdown: {
            watcher.stop()
        }
        watcher.stop()
        ticker.cancel()
        // Finish the batch in hand, take no more, and return.
        queue.stop()
        await runOnWorker(worker) {}
    }

    private func runOnWorker(_ worker: DispatchQueue, _ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            worker.async {
                body()
                continuation.resume()
            }
        }
    }

    /// Takes batches from `queue` until it is empty (or stopped): each batch is read and
    /// opened on the worker threads and recorded as groups.
    private func drain(_ queue: DropQueue) {
        while let batch = queue.next(listing: listing) {
            let started = ContinuousClock.now
            drop.process(batch) { relative, result in handle(relative, result, started: started) }
            publisher?.publish()
        }
    }

    /// Every waiting input, for a rescan. A listing that fails (an I/O error) is reported and
    /// retried within 2 seconds, never taken for an empty drop directory.
    private func listing() -> [String] {
        state.inputsLeft.store(false, ordering: .releasing)
        do {
            return try drop.pending()
        } catch {
            failed(error, input: nil)
            return []
        }
    }

    /// Logs and counts one input's result; `started` is when its batch began.
    private func handle(_ relative: String, _ result: Result<Outcome?, any Error>, started: ContinuousClock.Instant) {
        do {
            guard let outcome = try result.get() else { return }
            let elapsed = ContinuousClock.now - started
            logger.info("submission", metadata: outcome.logMetadata(channel: "drop", elapsed: elapsed))
            metrics?.recordSubmission(channel: "drop", outcome: outcome, duration: elapsed)
            if metrics?.isHealthy == false {
                metrics?.setHealthy(true)
                logger.notice("storage writable again: processing resumed")
            }
            onOutcome(relative, outcome)
        } catch {
            failed(error, input: relative)
        }
    }

    /// An input (or, with none, the listing of the drop directory) failed: it is left in place
    /// and retried within 2 seconds. The log names the input by a hash of its path (an agency's
    /// file name could hold a name) and the error by its code.
    private func failed(_ error: any Error, input relative: String?) {
        let code = errorCode(error)
        state.inputsLeft.store(true, ordering: .releasing)
        metrics?.recordError(kind: code)
        if isStorageFailure(error) {
            if metrics?.isHealthy != false { logger.error("storage failing: inputs wait in the drop directory", metadata: ["error": "\(code)"]) }
            metrics?.setHealthy(false)
        }
        if let relative {
            logger.error("input left in the drop directory", metadata: [
                "input": "\(SHA256.hex(Array(relative.utf8)).prefix(16))", "error": "\(code)",
            ])
        } else {
            logger.error("drop directory unreadable: its inputs wait", metadata: ["error": "\(code)"])
        }
    }
}

extension DropDirectoryService {
    /// What the service (a value) shares between its scans.
    private final class State: Sendable {
        /// A failure left an input in the drop directory, to be retried soon.
        let inputsLeft = Atomic<Bool>(false)
    }
}
