import Foundation
import Glibc
import IntakeDaemon
import IntakeTestSupport

/// `intake serve` as a child process, logging to a file.
final class ServeChild: @unchecked Sendable {
    let process = Process()
    let log: String
    let socket: String

    init(root: String, log: String) throws {
        self.log = log
        socket = HomeLayout(root: root).path("intake.sock")
        process.executableURL = URL(fileURLWithPath: CrashTests.intakeBinary)
        process.arguments = ["serve", "--home", root]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Exited with status 0.
    var exitedCleanly: Bool { !process.isRunning && process.terminationReason == .exit && process.terminationStatus == 0 }
    /// The signal that ended it, if one did.
    var signal: Int32? { !process.isRunning && process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil }
    var termination: String { signal.map { "signal \($0)" } ?? "exit \(process.terminationStatus)" }

    /// What it has logged so far.
    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    /// The end of the log, for a failure's message.
    var logTail: String { String(logText.suffix(800)) }

    /// Waits until the socket answers `GET /healthz`; false when the daemon ended or `seconds`
    /// passed first.
    func waitUntilServing(seconds: Int) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning && ContinuousClock.now < deadline {
            if (try? HTTPTestConnection.request(unix: socket, "GET", "/healthz", timeout: 10)) != nil { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Its threads (name and what each waits in) when a stop had to kill it.
    private(set) var hung = ""

    /// Each thread's name and the kernel function it waits in.
    func threads() -> String {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.sorted().map { task in
            let read = { (name: String) in
                ((try? String(contentsOfFile: "/proc/\(self.pid)/task/\(task)/\(name)", encoding: .utf8)) ?? "?")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return "\(task) \(read("comm")) \(read("wchan"))"
        }.joined(separator: "; ")
    }

    /// SIGTERM, then up to `grace` seconds for it to end, then SIGKILL. True when it had to be
    /// killed.
    func stop(grace: Int) async -> Bool {
        if process.isRunning { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(grace)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard process.isRunning else { return false }
        hung = threads()
        kill(pid, SIGKILL)
        process.waitUntilExit()
        return true
    }
}
