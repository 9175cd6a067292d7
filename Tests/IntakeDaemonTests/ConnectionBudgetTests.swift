import Foundation
import Glibc
import IntakeCore
import IntakeDaemon
import IntakeTestSupport
import Logging
import ServiceLifecycle
import Testing

/// Issue 12, item 1: no one who can reach the TCP listener can starve the Unix socket. A
/// throwaway local user (made for the test; root only) holds far more idle connections than
/// the limit, on TCP and on the Unix socket. The Unix socket still answers another uid; each
/// listener has its own budget, each peer its cap (a Unix-socket peer by its uid; over TCP
/// every local user is 127.0.0.1); the refusals are logged.
@Suite(.enabled(if: getuid() == 0, "making a throwaway user needs root"))
struct ConnectionBudgetTests {
    let pki = sharedPKI

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test(.timeLimit(.minutes(2)))
    func anotherUserCannotStarveTheUnixSocket() async throws {
        let user = "intaketest\(UInt32.random(in: 0..<0xFFFFFF))"
        guard (try? Subprocess.run("/usr/sbin/useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", user])) != nil
        else {
            Issue.record("cannot make a throwaway user")
            return
        }
        defer { _ = try? Subprocess.run("/usr/sbin/userdel", [user]) }
        let uid = try #require(getpwnam(user)).pointee.pw_uid
        let port = Self.freePort()
        let socketPath = "/tmp/intake-budget-\(UUID().uuidString.prefix(8)).sock"
        let test = try TestHome(pki: pki) {
            $0.replacingOccurrences(of: "max_connections = 64", with: "max_connections = 8")
                .replacingOccurrences(of: "max_connections_per_peer = 16", with: "max_connections_per_peer = 3")
                .replacingOccurrences(of: "tcp = \"\"", with: "tcp = \"127.0.0.1:\(port)\"")
                .replacingOccurrences(of: "unix = \"intake.sock\"", with: "unix = \"\(socketPath)\"")
                .replacingOccurrences(of: "group = \"\"", with: "group = \"\(user)\"")
        }
        let settings = test.home.settings
        #expect(settings.listen.maxConnections == 8 && settings.listen.maxConnectionsPerPeer == 3 && settings.listen.group == user)
        let lines = LogLines()
        let logger = Logger(label: "test") { _ in lines }
        let runtime = try Runtime(home: test.home, clock: SystemClock.now)
        let api = SocketAPI(runtime: runtime, metrics: IntakeMetrics(), logger: logger)
        let (ready, continuation) = AsyncStream<Void>.makeStream()
        let server = HTTPServer(api: api, listeners: HTTPServer.listeners(settings: settings.listen, home: test.layout, activated: []),
                                logger: logger, requestTimeout: .seconds(60), shutdownGrace: .seconds(5),
                                maxConnections: settings.listen.maxConnections, maxConnectionsPerPeer: settings.listen.maxConnectionsPerPeer,
                                onReady: { _ in continuation.finish() })
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
        let running = Task { try await group.run() }
        for await _ in ready {}
        defer { unlink(socketPath) }

        // The other user: 40 idle connections to each listener.
        let script = """
            import socket, time
            held = []
            for _ in range(40):
                s = socket.socket(socket.AF_UNIX); s.connect("\(socketPath)"); held.append(s)
            for _ in range(40):
                held.append(socket.create_connection(("127.0.0.1", \(port))))
            print("holding", flush=True)
            time.sleep(60)
            """
        let hog = Process()
        hog.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        hog.arguments = ["-u", user, "--", "/usr/bin/env", "python3", "-c", script]
        let output = Pipe()
        hog.standardOutput = output
        hog.standardError = FileHandle.nullDevice
        try hog.run()
        defer { if hog.isRunning { hog.terminate() } }
        let started = output.fileHandleForReading.availableData
        #expect(String(decoding: started, as: UTF8.self).contains("holding"), "the other user connected")
        try await Task.sleep(for: .milliseconds(500))

        #expect(server.openConnections(listener: "unix", peer: "uid:\(uid)") == 3, "a uid holds at most its cap on the Unix socket")
        #expect(server.openConnections(listener: "tcp") == 3, "every local user is 127.0.0.1 over TCP: one peer, one cap")
        // The Unix socket still answers the front ends (another uid).
        for _ in 0..<5 {
            #expect(try HTTPTestConnection.request(unix: socketPath, "GET", "/healthz", timeout: 5).status == 200)
        }
        hog.terminate()
        hog.waitUntilExit()
        await group.triggerGracefulShutdown()
        try await running.value
        let refused = lines.entries.filter { $0.message == "connections refused" }
        #expect(refused.contains { $0.metadata["listener"] == "unix" && $0.metadata["peer"] == "uid:\(uid)" && $0.metadata["cause"] == "peer-connections" },
                "\(refused.map(\.metadata))")
        #expect(refused.contains { $0.metadata["listener"] == "tcp" && $0.metadata["peer"] == "127.0.0.1" }, "\(refused.map(\.metadata))")
    }
}
