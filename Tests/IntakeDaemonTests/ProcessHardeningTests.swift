import Foundation
import Glibc
import IntakeDaemon
import IntakeTestSupport
import Testing

/// No core dump can hold a decrypted return, and a crash ends `intake serve` (issue 12, item 8).
@Suite struct ProcessHardeningTests {
    let pki = sharedPKI

    @Test func serveDisablesCoreDumpsAndACrashEndsIt() async throws {
        let test = try TestHome(pki: pki)
        let log = test.layout.path("serve.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        // Started with an unlimited core limit, as a shell with `ulimit -c unlimited` would.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -c unlimited; exec \"$0\" serve --home \"$1\"", CrashTests.intakeBinary, test.layout.root]
        process.currentDirectoryURL = URL(fileURLWithPath: test.layout.root)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let text = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && !text().contains("msg=ready") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(text().contains("msg=ready"), "\(text().suffix(800))")
        let limits = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)) ?? ""
        let coreLine = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }.map(String.init) ?? ""
        #expect(coreLine.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2) == ["0", "0"], "\(coreLine)")
        #expect(text().contains("msg=\"core dumps disabled\""), "\(text().suffix(800))")
        #expect(text().contains("dumpable=false"))

        // A fatal signal ends the process by that signal, promptly, with one line and no backtrace.
        kill(process.processIdentifier, SIGABRT)
        let end = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning, "serve was still running 10 s after SIGABRT")
        if !process.isRunning {
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGABRT)
        }
        #expect(text().contains("intake: fatal signal 6"))
        #expect(!text().contains("Backtracing"))
        let cores = (try? FileManager.default.contentsOfDirectory(atPath: test.layout.root))?.filter { $0.hasPrefix("core") } ?? []
        #expect(cores.isEmpty, "\(cores)")
    }
}
