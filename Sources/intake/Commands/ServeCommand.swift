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
        abstract: "Run the daemon: watch the drop directory until SIGTERM or SIGINT.",
        discussion: """
        Scans HOME/drop/new and HOME/drop/*/new for anything that arrived while it was down, then
        processes each new input as inotify reports it (IN_CLOSE_WRITE, IN_MOVED_TO), writing each
        accepted or duplicate input's signed receipt to receipts/AGENCY/. Each new signed checkpoint is
        appended to HOME/checkpoints.log and given to [ledger] checkpoint_command. Writers should
        write into drop/tmp/ and rename into drop/new/. An input leaves the drop directory only once it
        is durable in store/ or quarantine/ and its ledger event is committed. Logs one logfmt line per
        event on stderr. SIGTERM/SIGINT: stop taking inputs, finish the one in hand, exit 0.
        Refuses to start when a private key is readable by group or others.
        """
    )

    @OptionGroup var home: HomeOption

    func run() async throws {
        let opened = try home.open()
        let lock = try Failure.report { try HomeLock(layout: opened.layout) }
        defer { lock.release() }
        LoggingSystem.bootstrap { LogfmtHandler(label: $0, clock: SystemClock.now) }
        let logger = Logger(label: "intake")
        let pipeline = try Failure.report { try Pipeline(home: opened, clock: SystemClock.now) }
        let drop = try Failure.report { try DropDirectory(pipeline: pipeline) }
        EnvelopeStore(layout: opened.layout).sweepTemporaries()
        signal(SIGPIPE, SIG_IGN)  // a checkpoint command that does not read its input must not stop us
        let service = DropDirectoryService(drop: drop, logger: logger, publisher: CheckpointPublisher(home: opened, logger: logger), onReady: {
            logger.info("ready", metadata: ["home": "\(opened.layout.root)", "treeSize": "\((try? opened.ledger.treeSize()) ?? 0)"])
        })
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            let (code, message) = Failure.describe(error)
            logger.error("stopped on an error", metadata: ["code": "\(code)"])
            throw Failure.exit(code, message)
        }
        logger.info("stopped")
    }
}
