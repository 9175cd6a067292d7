import Foundation
import Glibc
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Logging
import ServiceLifecycle
import Testing

/// A home on a small tmpfs that fills up (issue 6): intake rejects nothing, loses nothing,
/// reports the condition (`/healthz` 503, `intake_healthy 0`, a log line) and resumes by
/// itself when space returns. Needs root (to mount a tmpfs); skipped otherwise.
@Suite(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct DiskFullTests {
    let pki = sharedPKI

    @Test(.timeLimit(.minutes(2)))
    func aFullDiskIsReportedAndSurvived() async throws {
        var inputs: [[UInt8]] = []
        var size = 0
        // Two returns waiting in drop/new, and the disk full, before the daemon starts.
        try await withTmpfsDaemon(before: { daemon in
            for agency in ["police", "health"] {
                let envelope = try EnvelopeSealer.seal(TestHome.returnJSON(agency: agency), signer: pki.certificate(agency), key: pki.key(agency),
                                                       to: [daemon.home.intakeCertificate])
                inputs.append(envelope)
                try Data(envelope).write(to: URL(fileURLWithPath: "\(daemon.layout.dropNew)/\(agency).p7m"))
            }
            size = try daemon.home.ledger.treeSize()
            daemon.fill()
        }) { daemon in
            let (layout, home, socketPath) = (daemon.layout, daemon.home, daemon.socketPath)
            // Full: nothing recorded, nothing rejected, the inputs wait, the daemon says so.
            try await Task.sleep(for: .seconds(2))
            #expect(try home.ledger.treeSize() == size, "nothing may be recorded while the disk is full")
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: layout.dropNew)) == ["police.p7m", "health.p7m"])
            #expect(try HTTPTestConnection.request(unix: socketPath, "GET", "/healthz").status == 503)
            #expect(try HTTPTestConnection.request(unix: socketPath, "GET", "/metrics").text.contains("intake_healthy 0.0"))
            // A submission over the socket is answered 503 (retry), not rejected.
            let posted = try HTTPTestConnection.request(unix: socketPath, "POST", "/v1/submissions",
                                                        body: try EnvelopeSealer.seal(TestHome.returnJSON(agency: "education"),
                                                                                      signer: pki.certificate("education"), key: pki.key("education"),
                                                                                      to: [home.intakeCertificate]))
            #expect(posted.status == 503, "\(posted.text)")
            #expect(try home.ledger.treeSize() == size)

            // Space returns: intake resumes by itself.
            daemon.free()
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, !((try? FileManager.default.contentsOfDirectory(atPath: layout.dropNew)) ?? ["x"]).isEmpty {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.dropNew).isEmpty, "the inputs were not taken when space returned")
            #expect(try HTTPTestConnection.request(unix: socketPath, "GET", "/healthz").status == 200)
        } after: { daemon in
            var recorded: [String: LedgerEvent.Kind] = [:]
            for index in size..<(try daemon.home.ledger.treeSize()) {
                let entry = try #require(try daemon.home.ledger.entry(at: index))
                let event = try #require(LedgerEvent.parse(entry: entry))
                if let sha = event["envelopeSha256"]?.stringValue { recorded[sha] = event.kind }
            }
            for input in inputs { #expect(recorded[SHA256.hex(input)] == .submissionAccepted) }
            #expect(!recorded.values.contains(.submissionRejected), "nothing rejected because of the full disk")
            #expect(try HomeAudit.run(daemon.home).findings.isEmpty)
        }
    }

    /// A home copied onto a fresh 8 MiB tmpfs, with the drop directory and socket services
    /// running on it; `fill` takes every free byte, `free` gives them back.
    struct TmpfsDaemon {
        let layout: HomeLayout
        let home: Home
        let socketPath: String
        let filler: String

        func fill() {
            let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
            let chunk = [UInt8](repeating: 0, count: 16384)
            while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
            close(fd)
        }

        func free() { unlink(filler) }
    }

    /// `before` runs before the services start, `after` once they have stopped.
    func withTmpfsDaemon(before: (TmpfsDaemon) throws -> Void = { _ in }, _ body: (TmpfsDaemon) async throws -> Void,
                         after: (TmpfsDaemon) throws -> Void = { _ in }) async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard (try? Subprocess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint])) != nil else {
            Issue.record("cannot mount a tmpfs here")
            return
        }
        defer {
            _ = try? Subprocess.run("/bin/umount", ["-l", mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let test = try TestHome(pki: pki)
        let root = "\(mountPoint)/home"
        _ = try Subprocess.run("/bin/cp", ["-a", test.layout.root, root])
        let layout = HomeLayout(root: root)
        let home = try Home(layout)
        let socketPath = "\(mountPoint)/intake.sock"
        let daemon = TmpfsDaemon(layout: layout, home: home, socketPath: socketPath, filler: "\(mountPoint)/filler")
        try before(daemon)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let runtime = try Runtime(home: home, clock: SystemClock.now)
        let metrics = IntakeMetrics()
        let api = SocketAPI(runtime: runtime, metrics: metrics, logger: logger)
        let drop = DropDirectoryService(current: { runtime.current.drop }, logger: logger, rescanSeconds: 60, metrics: metrics)
        let (ready, continuation) = AsyncStream<Void>.makeStream()
        let server = HTTPServer(api: api, listeners: [.unix(path: socketPath, group: "")], logger: logger,
                                requestTimeout: .seconds(5), shutdownGrace: .seconds(5), maxConnections: 8,
                                onReady: { _ in continuation.finish() })
        let group = ServiceGroup(configuration: .init(services: [.init(service: drop), .init(service: server)], logger: logger))
        let running = Task { try await group.run() }
        for await _ in ready {}
        do {
            try await body(daemon)
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
        try after(daemon)
    }

    /// Issue 12, item 14: a full disk that only a socket submission ran into (nothing waits in
    /// the drop directory) is 503 while full, and `/healthz` is 200 again within seconds of
    /// space returning, with no new input to prove it: the daemon probes the disk.
    @Test(.timeLimit(.minutes(2)))
    func healthRecoversWhenTheDiskDoesWithNoNewInput() async throws {
        try await withTmpfsDaemon { daemon in
            daemon.fill()
            let envelope = try EnvelopeSealer.seal(TestHome.returnJSON(agency: "police"), signer: pki.certificate("police"), key: pki.key("police"),
                                                   to: [daemon.home.intakeCertificate])
            #expect(try HTTPTestConnection.request(unix: daemon.socketPath, "POST", "/v1/submissions", body: envelope).status == 503)
            #expect(try HTTPTestConnection.request(unix: daemon.socketPath, "GET", "/healthz").status == 503)
            daemon.free()
            var status = 0
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                status = try HTTPTestConnection.request(unix: daemon.socketPath, "GET", "/healthz").status
                if status == 200 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(status == 200, "healthy again once the disk takes writes")
            #expect(try HTTPTestConnection.request(unix: daemon.socketPath, "POST", "/v1/submissions", body: envelope).status == 201)
        }
    }
}
