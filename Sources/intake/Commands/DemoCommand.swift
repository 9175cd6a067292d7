import ArgumentParser
import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import Logging
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole journey, end to end, in a temporary home with no set-up.",
        discussion: """
        Makes a temporary home, a demo agency CA and four agencies, opens a case, starts the daemon's
        drop-directory watcher and socket, and delivers sealed returns one by one (one incomplete, then
        corrected; one posted to the socket over HTTP, answered with its signed receipt), printing readiness
        as it changes; drops one envelope signed by a certificate no trust anchor vouches for, which is
        quarantined with its reason code; releases the meeting pack, encrypted to a demo chair, the moment
        the last return is complete; prints the final state and audits the home. Exits 0 and leaves
        nothing running. --keep keeps the home (and the demo chair's key) to explore.
        """
    )

    @Flag(help: "Keep the temporary home afterwards (its path is printed).") var keep = false

    func run() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("intake-demo-\(UUID().uuidString.prefix(8))").path
        let layout = HomeLayout(root: root)
        defer {
            if !keep { try? FileManager.default.removeItem(atPath: root) }
        }
        let demo = try Failure.report { try DemoSetup(layout: layout) }
        print("== Rapid Review Intake demo — home \(root)")
        print("   partnership \"\(demo.home.settings.partnership)\", ledger key \(demo.home.ledgerVerifierKey.name)")
        print("   case \(DemoSetup.caseRef) referred \(demo.referred), expecting returns from \(DemoSetup.agencies.map(\.id).joined(separator: ", "))")
        print("")
        try show(demo)

        let outcomes = AsyncStream.makeStream(of: Outcome.self)
        let logger = Logger(label: "intake-demo", factory: { _ in SwallowLogHandler() })
        let runtime = try Failure.report { try Runtime(home: demo.home, clock: SystemClock.now) }
        // As `intake serve` does: after each input, the meeting pack if it is now due.
        let released = AsyncStream.makeStream(of: PackReleaser.Released?.self)
        let afterInput: @Sendable (Outcome) -> Void = { outcome in
            let pack = outcome.status == .rejected ? nil : outcome.caseRef.flatMap { runtime.current.packs.releaseIfDueLogging($0, logger: logger) }
            released.continuation.yield(pack)
            outcomes.continuation.yield(outcome)
        }
        let service = DropDirectoryService(current: { runtime.current.drop }, logger: logger,
                                           onOutcome: { _, outcome in afterInput(outcome) })
        let api = SocketAPI(runtime: runtime, metrics: IntakeMetrics(), logger: logger, onOutcome: afterInput)
        let socketPath = layout.path(demo.home.settings.listen.unix)
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let server = HTTPServer(api: api, listeners: [.unix(path: socketPath, group: "")], logger: logger, requestTimeout: .seconds(30),
                                shutdownGrace: .seconds(5), maxConnections: 8, onReady: { _ in readyContinuation.finish() })
        let group = ServiceGroup(configuration: .init(services: [.init(service: service), .init(service: server)], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        var iterator = outcomes.stream.makeAsyncIterator()
        var packs = released.stream.makeAsyncIterator()
        for await _ in ready {}

        for step in try demo.steps() {
            print("-> \(step.label)")
            if step.viaSocket {
                let response = try Failure.report {
                    try SocketClient.request(unixPath: socketPath, method: "POST", target: "/v1/submissions", body: step.envelope)
                }
                let receipt = (try? JSONParser.parse(response.body))?["receipt"]?.stringValue.flatMap { Base64.decode($0) }
                print("   POST /v1/submissions → HTTP \(response.status)\(receipt.map { ", signed receipt of \($0.count) bytes (CMS) in the answer" } ?? "")")
            } else {
                try Failure.report { try demo.drop(step) }
            }
            guard let outcome = await iterator.next() else { break }
            print("   \(outcome.status.rawValue)\(outcome.reason.map { " (\($0.rawValue): \(outcome.message))" } ?? "")"
                + "\(outcome.version.map { ", version \($0)" } ?? "")\(outcome.missing.isEmpty ? "" : ", missing \(outcome.missing.joined(separator: ", "))")"
                + ", ledger index \(outcome.ledgerIndex)")
            if outcome.status == .rejected {
                let quarantined = try Failure.report { try Directory.names(in: layout.quarantine).filter { $0.hasSuffix(".json") } }
                print("   quarantine/: \(quarantined.count) record(s): \(quarantined.map { String($0.prefix(16)) + "….json" }.joined(separator: ", "))")
            } else {
                try show(demo, brief: true)
            }
            if let pack = await packs.next() ?? nil {
                print("   meeting pack \(pack.number) released: packs/\(pack.caseRef)/pack-\(pack.number).p7m, \(pack.returns) returns, "
                      + "encrypted (AES-256-GCM) to pack-recipients/demo-chair.pem; sha256 \(pack.sha256.prefix(16))…, ledger index \(pack.ledgerIndex)")
            }
        }
        await group.triggerGracefulShutdown()
        try await Failure.reportAsync { try await running.value }

        print("")
        print("== Final state")
        try show(demo)
        let (stored, size, checkpoint) = try Failure.report {
            (try Directory.names(in: layout.store).filter { $0.hasSuffix(".p7m") }.count,
             try demo.home.ledger.treeSize(), try demo.home.ledger.latestCheckpoint())
        }
        print("")
        print("store/: \(stored) envelopes kept as received; ledger: \(size) events; latest signed checkpoint:")
        print(checkpoint?.note.split(separator: "\n", omittingEmptySubsequences: false).map { "   " + $0 }.joined(separator: "\n") ?? "")
        let audit = try Failure.report { try HomeAudit.run(demo.home) }
        print("")
        print("intake verify: \(audit.ok ? "ok" : "FAILED") — \(audit.treeSize) entries, \(audit.checkpointsChecked) checkpoints and "
              + "\(audit.envelopes.count) envelopes recomputed and checked\(audit.findings.first.map { "; first failure: \($0)" } ?? "")")
        if keep {
            print("Home kept at \(root) — try: INTAKE_HOME=\(root) intake status \(DemoSetup.caseRef)")
            print("Open the meeting pack as the chair: openssl cms -decrypt -inform DER -in \(root)/packs/\(DemoSetup.caseRef)/pack-1.p7m "
                  + "-recip \(root)/pack-recipients/demo-chair.pem -inkey \(root)/demo-chair.key -out pack.zip && unzip pack.zip")
        }
        if !audit.ok { throw Failure.exit("verify-failed", "the demo's own ledger did not verify") }
    }

    func show(_ demo: DemoSetup, brief: Bool = false) throws {
        let status = try Failure.report { try StatusCommand.status(DemoSetup.caseRef, home: demo.home) }
        if brief {
            let states = status.agencies.map { "\($0.agencyId)=\($0.state.rawValue)" }.joined(separator: " ")
            print("   readiness \(status.completeCount)/\(status.agencies.count) [\(states)] state \(status.state.rawValue)\(status.ready ? " — READY for the meeting" : "")")
        } else {
            print(StatusCommand.render(status, home: demo.home).split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
        }
    }
}

/// The demo logs nothing itself; it prints the story.
struct SwallowLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .critical
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {}
}
