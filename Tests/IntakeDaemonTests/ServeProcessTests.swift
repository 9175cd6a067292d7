import Foundation
import Glibc
import IntakeCore
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// `intake serve` as systemd runs it: a listening socket passed in as descriptor 3
/// (LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES), notifications on a test NOTIFY_SOCKET, the
/// watchdog, SIGHUP and SIGTERM.
@Suite struct ServeProcessTests {
    let pki = sharedPKI

    @Test(.timeLimit(.minutes(2)))
    func socketActivationNotificationsReloadAndStop() async throws {
        let test = try TestHome(pki: pki)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("activation-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = "\(directory)/intake.sock"
        let listener = try Self.listeningSocket(socketPath)
        let receiver = try NotifyReceiver("\(directory)/notify.sock")

        // As systemd does: the socket at descriptor 3, LISTEN_PID naming the daemon itself.
        let pid = try Self.spawn(
            ["/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" serve --home \"$1\"", CrashTests.intakeBinary, test.layout.root],
            environment: ["LISTEN_FDS": "1", "LISTEN_FDNAMES": "intake-http", "NOTIFY_SOCKET": "\(directory)/notify.sock",
                          "WATCHDOG_USEC": "400000"],
            descriptor3: listener)
        close(listener)
        var stopped = false
        defer { if !stopped { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) } }

        let starting = receiver.receive(until: "READY=1", timeout: 30)
        #expect(starting.contains { $0.contains("READY=1") && $0.contains("STATUS=ready") }, "\(starting)")
        // Served on the inherited socket; the home's own socket is not made.
        #expect(try HTTPTestConnection.request(unix: socketPath, "GET", "/healthz").status == 200)
        #expect(!FileManager.default.fileExists(atPath: test.layout.path("intake.sock")))
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        #expect(try HTTPTestConnection.request(unix: socketPath, "POST", "/v1/submissions", body: envelope).status == 201)
        let status = receiver.receive(until: "1 accepted", timeout: 10)
        #expect(status.last?.contains("STATUS=ready: 1 accepted") == true, "\(status)")
        // The watchdog is pinged while the daemon can work.
        #expect(receiver.receive(until: "WATCHDOG=1", timeout: 10).last == "WATCHDOG=1")

        // SIGHUP reloads without dropping a kept-alive connection.
        let connection = try HTTPTestConnection(unix: socketPath)
        connection.sendRequest("GET", "/healthz")
        #expect(connection.readResponse(timeout: 10)?.status == 200)
        kill(pid, SIGHUP)
        let reloading = receiver.receive(until: "READY=1", timeout: 10).filter { !$0.hasPrefix("WATCHDOG") }
        #expect(reloading.first?.hasPrefix("RELOADING=1") == true, "\(reloading)")
        #expect(reloading.last == "READY=1", "\(reloading)")
        connection.sendRequest("GET", "/healthz")
        #expect(connection.readResponse(timeout: 10)?.status == 200)

        // SIGTERM: STOPPING=1, then a clean exit 0.
        kill(pid, SIGTERM)
        #expect(receiver.receive(until: "STOPPING=1", timeout: 10).contains { $0.hasPrefix("STOPPING=1") })
        var exitStatus: Int32 = 0
        waitpid(pid, &exitStatus, 0)
        stopped = true
        #expect(exitStatus == 0, "exit status \(exitStatus)")
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }

    static func listeningSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return fd
    }

    /// posix_spawn with `descriptor3` at descriptor 3 and `environment` added to ours.
    static func spawn(_ arguments: [String], environment: [String: String], descriptor3: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, descriptor3, 3)
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(devNull) }
        posix_spawn_file_actions_adddup2(&actions, devNull, 1)
        posix_spawn_file_actions_adddup2(&actions, devNull, 2)
        let merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LISTEN_") && !$0.key.hasPrefix("WATCHDOG_") }
            .merging(environment) { $1 }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, nil, &argv, &envp)
        guard result == 0 else { throw POSIXError(.init(rawValue: result) ?? .EIO) }
        return pid
    }
}
