import ArgumentParser
import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger
import Logging
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: the drop directory and the HTTP socket, until SIGTERM or SIGINT.",
        discussion: """
        Drop directory: scans HOME/drop/new and HOME/drop/*/new for anything that arrived while it was
        down, then processes each new input as inotify reports it (IN_CLOSE_WRITE, IN_MOVED_TO), writing
        each accepted or duplicate input's signed receipt to receipts/AGENCY/. Writers should write into
        drop/tmp/ and rename into drop/new/. An input leaves the drop directory only once it is durable
        in store/ or quarantine/ and its ledger event is committed.

        Socket: HTTP/1.1 on HOME/intake.sock (mode 0660, group [listen] group) and, when [listen] tcp is
        set, on that loopback address; or on the sockets systemd passes (LISTEN_FDS, socket activation).
        POST /v1/submissions (the envelope as the body): 201 with the receipt, 200 with the original
        receipt for a duplicate, 4xx {"error": REASON-CODE, "message"} for a rejection, 413 over
        [policy] max_envelope_bytes (refused before the body is read). GET /v1/cases/REF (the JSON of
        `intake status REF --json`), GET /healthz, GET /metrics (Prometheus). Limits: [listen]
        max_connections, max_concurrent, max_body_memory, request_timeout, rate, burst and
        rejections_per_hour. The API is docs/openapi.json.

        Meeting packs: when every expected agency's latest return is complete, the next pack is released
        to HOME/packs/REF/pack-N.p7m, encrypted to HOME/pack-recipients/ ([pack] auto_release); a return
        accepted after a release produces pack N+1. Deadlines: at start and at each new day (Europe/London)
        return-overdue, meeting-due-soon, meeting-overdue, panel-due-soon and panel-overdue are raised
        once each (a ledger event each; per case one log line and one run of [alerts] command with one
        JSON line per alert; 20 runs at once, then one a minute and an alerts-held summary).

        Each new signed checkpoint is appended to HOME/checkpoints.log and given to [ledger]
        checkpoint_command. Logs one logfmt line per event on stderr (journald takes it).

        systemd: READY=1 once the drop directory and the socket are live, STATUS= after each input,
        STOPPING=1 on shutdown, WATCHDOG=1 when WatchdogSec= is set ($NOTIFY_SOCKET). Private keys are
        read from $CREDENTIALS_DIRECTORY (LoadCredential=) when there, else from keys/.

        SIGHUP: reload intake.toml, keys, certificates and trust/ without dropping a connection ([listen]
        changes need a restart). SIGTERM/SIGINT: stop accepting, finish the inputs in flight (at most
        [daemon] shutdown_grace seconds for connections), exit 0.
        Refuses to start when a private key is readable by group or others. Core dumps are off
        (non-dumpable, RLIMIT_CORE 0, logged at start) and a fatal signal ends the process with one
        line on stderr and no backtrace (a crash report could hold decrypted content).

        --once: process what is waiting in the drop directory (as the start-up scan does), raise the
        day's deadline alerts, release any meeting pack that is due, publish new checkpoints, and exit;
        for cron-style runs and tests.
        """
    )

    @OptionGroup var home: HomeOption
    @Flag(help: "Process what is waiting in the drop directory, release any meeting pack that is due, publish new checkpoints, and exit (no socket, no watching).")
    var once = false

    func run() async throws {
        if once { return try runOnce() }
        // Trapped first: a SIGHUP during start-up must not end the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let environment = ProcessInfo.processInfo.environment
        let (opened, lock, logger, runtime) = try start()
        defer { lock.release() }

        let notifier = SystemdNotifier(environment: environment)
        let metrics = IntakeMetrics()
        metrics.setHealthy(true)
        let publisher = CheckpointPublisher(home: opened, logger: logger, command: { runtime.home.settings.ledger.checkpointCommand },
                                            onPublished: { metrics.recordCheckpoint(treeSize: $0, at: SystemClock.now()) })
        let settings = opened.settings
        let activated = SocketActivation.take(environment: environment)
        let listeners = HTTPServer.listeners(settings: settings.listen, home: opened.layout, activated: activated)
        let status = ServiceStatus(notifier: notifier, parts: 2) {
            logger.info("ready", metadata: ["home": "\(opened.layout.root)", "treeSize": "\((try? opened.ledger.treeSize()) ?? 0)",
                                            "listen": "\(listeners.map(HTTPServer.describeListener).joined(separator: ","))"])
        }
        // After each input: the Status line, and the meeting pack when this return completes
        // the set (or arrives after a release): requested, made on the releaser's queue, and
        // coalesced per case (a burst of versions makes a few packs, not one each).
        let afterInput: @Sendable (Outcome) -> Void = { outcome in
            status.record(outcome)
            // A replay counts too: an input recorded before its receipt could be written (a
            // failing disk) comes back as a replay, and its pack is still to be released. The
            // policy decides whether one is due.
            if outcome.status == .accepted || outcome.status == .acceptedIncomplete, let ref = outcome.caseRef {
                runtime.current.packs.requestRelease(ref, logger: logger) { _ in publisher.publish() }
            }
        }
        let drop = DropDirectoryService(current: { runtime.current.drop }, logger: logger, publisher: publisher, metrics: metrics,
                                        onReady: { status.partReady() }, onOutcome: { _, outcome in afterInput(outcome) })
        let api = SocketAPI(runtime: runtime, metrics: metrics, logger: logger, publisher: publisher, onOutcome: afterInput)
        let server = HTTPServer(api: api, listeners: listeners, logger: logger, requestTimeout: .seconds(settings.listen.requestTimeout),
                                shutdownGrace: .seconds(settings.daemon.shutdownGrace), maxConnections: settings.listen.maxConnections,
                                maxConnectionsPerPeer: settings.listen.maxConnectionsPerPeer,
                                onReady: { _ in status.partReady() })
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: drop), .init(service: server),
            .init(service: ReloadService(runtime: runtime, logger: logger, notifier: notifier, signals: hangups)),
            .init(service: DeadlineSweeper(runtime: runtime, logger: logger)),
        ]
        if let interval = SystemdNotifier.watchdogInterval(environment: environment, pid: getpid()) {
            services.append(.init(service: WatchdogService(notifier: notifier, interval: interval) {
                (try? runtime.home.ledger.treeSize()) != nil
            }))
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            notifier.notify("STOPPING=1")
            let (code, message) = Failure.describe(error)
            logger.error("stopped on an error", metadata: ["code": "\(code)"])
            throw Failure.exit(code, message)
        }
        logger.info("stopped")
    }

    /// What both modes start with: the home opened and locked (the caller releases the lock),
    /// logfmt logging, the reloadable runtime, dead processes' temporary files swept, and
    /// SIGPIPE ignored (a checkpoint command or a client that goes away must not stop us).
    func start() throws -> (Home, HomeLock, Logger, Runtime) {
        let opened = try home.open()
        let lock = try Failure.report { try HomeLock(layout: opened.layout) }
        do {
            // Decisions rest on the index tables: refuse to start on tables the log does not back.
            try Failure.report { try opened.ledger.requireIndexTablesAgree() }
            LoggingSystem.bootstrap { LogfmtHandler(label: $0, clock: SystemClock.now) }
            let runtime = try Failure.report { try Runtime(home: opened, clock: SystemClock.now) }
            EnvelopeStore(layout: opened.layout).sweepTemporaries()
            signal(SIGPIPE, SIG_IGN)
            let logger = Logger(label: "intake")
            // Read back from the kernel: no core dump can hold a decrypted return, and a crash
            // ends the process (ProcessHardening, applied by main).
            let hardening = ProcessHardening.current(crashHandlers: ProcessHardening.applied.crashHandlers,
                                                     failure: ProcessHardening.applied.failure)
            var metadata: Logger.Metadata = ["dumpable": "\(hardening.dumpable)", "coreLimit": "\(hardening.coreLimit.map(String.init) ?? "unlimited")",
                                             "crashHandlers": "\(hardening.crashHandlers)"]
            if let failure = hardening.failure { metadata["failure"] = "\(failure)" }
            if hardening.dumpable || hardening.coreLimit != 0 || !hardening.crashHandlers {
                logger.warning("core dumps not fully disabled", metadata: metadata)
            } else {
                logger.info("core dumps disabled", metadata: metadata)
            }
            return (opened, lock, logger, runtime)
        } catch {
            lock.release()
            throw error
        }
    }

    /// `intake serve --once`: one pass over the drop directory, as the daemon's start-up scan.
    func runOnce() throws {
        let (opened, lock, logger, runtime) = try start()
        defer { lock.release() }
        let publisher = CheckpointPublisher(home: opened, logger: logger)
        let outcomes = runtime.current.drop.scan { _, outcome in
            logger.info("submission", metadata: outcome.logMetadata(channel: "drop"))
        }
        // The deadline sweep too, as the daemon makes it at start (issue 13, item 10): a cron
        // job running --once raises the day's alerts, and the sweep releases what is due.
        DeadlineSweeper(runtime: runtime, logger: logger).sweep(today: SystemClock.now().londonDate)
        publisher.publish()
        let waiting = (try? runtime.current.drop.pending().count).map(String.init) ?? "unreadable"
        logger.info("drained", metadata: ["inputs": "\(outcomes.count)", "waiting": "\(waiting)"])
    }
}
