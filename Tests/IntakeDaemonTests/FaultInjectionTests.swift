import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// Crash at every step (issue 6, docs/testing.md): `intake serve --once` takes two returns (which
/// complete the case and release its meeting pack) and a junk input from the drop directory under
/// `strace`, which kills it with SIGKILL at the Nth call of a file-system syscall, or makes that
/// call fail with EIO or ENOSPC. A normal run then finishes the work, and the home must be whole:
/// `intake verify` passes, every input is recorded exactly once and kept in store/ or quarantine/,
/// drop/new is empty, the pack is released once, and no temporary file is left.
///
/// By default each syscall is hit at up to `INTAKE_FAULT_POINTS` (12) evenly spread calls;
/// `INTAKE_FAULT_POINTS=0` hits every one.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "strace is not installed"))
struct FaultInjectionTests {
    let pki = sharedPKI
    static let syscalls = ["openat", "write", "fsync", "fdatasync", "renameat2", "rename", "unlink", "unlinkat", "mkdir", "mkdirat", "pwrite64"]
    static let points = Int(ProcessInfo.processInfo.environment["INTAKE_FAULT_POINTS"] ?? "") ?? 12

    /// A home with two agencies expected, a pack recipient, and three inputs waiting.
    func template() throws -> (TestHome, [[UInt8]]) {
        _ = MeetingPackReleaseTests.chair
        let test = try TestHome(pki: pki, agencies: ["police", "health"])
        try FileManager.default.copyItem(atPath: pki.url("chair.crt").path, toPath: "\(test.layout.packRecipients)/chair.pem")
        var inputs: [[UInt8]] = []
        for agency in ["police", "health"] {
            inputs.append(try EnvelopeSealer.seal(TestHome.returnJSON(agency: agency), signer: pki.certificate(agency), key: pki.key(agency),
                                                  to: [test.home.intakeCertificate]))
        }
        inputs.append(Array("not an envelope".utf8))
        for input in inputs { try test.drop(input) }
        return (test, inputs)
    }

    /// Runs `intake serve --once` on `root`, under strace with `arguments` when given; the exit status.
    static func runOnce(_ root: String, strace arguments: [String]? = nil) throws -> Int32 {
        let process = Process()
        if let arguments {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
            process.arguments = ["-f", "-qq"] + arguments + ["--", CrashTests.intakeBinary, "serve", "--once", "--home", root]
        } else {
            process.executableURL = URL(fileURLWithPath: CrashTests.intakeBinary)
            process.arguments = ["serve", "--once", "--home", root]
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(.timeLimit(.minutes(15)))
    func everyInjectedFaultIsSurvived() throws {
        let (test, inputs) = try template()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        // 1. One clean traced run counts the calls of each syscall.
        let traced = scratch.appendingPathComponent("traced").path
        try FileManager.default.copyItem(atPath: test.layout.root, toPath: traced)
        let trace = scratch.appendingPathComponent("trace.txt").path
        #expect(try Self.runOnce(traced, strace: ["-e", "trace=" + Self.syscalls.joined(separator: ","), "-o", trace]) == 0)
        var counts: [String: Int] = [:]
        for line in try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n") {
            let call = line.drop { $0.isNumber || $0 == " " }.prefix { $0 != "(" }
            if Self.syscalls.contains(String(call)) { counts[String(call), default: 0] += 1 }
        }
        try check(HomeLayout(root: traced), inputs: inputs, label: "the traced run")
        #expect((counts["fsync"] ?? 0) + (counts["fdatasync"] ?? 0) > 0 && (counts["renameat2"] ?? 0) + (counts["rename"] ?? 0) > 0,
                "\(counts)")

        // 2. Each fault, then a normal run, then the checks.
        var faults = 0
        var unfired: [String] = []
        for (syscall, count) in counts.sorted(by: { $0.key < $1.key }) where count > 0 {
            let points = Self.points == 0 || count <= Self.points ? Array(1...count)
                : (0..<Self.points).map { 1 + $0 * (count - 1) / (Self.points - 1) }
            for point in Set(points).sorted() {
                for fault in ["signal=KILL", "error=EIO", "error=ENOSPC"] {
                    let label = "\(syscall) call \(point) \(fault)"
                    let root = scratch.appendingPathComponent("run-\(faults)").path
                    try FileManager.default.copyItem(atPath: test.layout.root, toPath: root)
                    // (strace tampers only with the calls it traces; its output goes nowhere.)
                    let status = try Self.runOnce(root, strace: ["-o", "/dev/null", "-e", "trace=\(syscall)",
                                                                 "-e", "inject=\(syscall):\(fault):when=\(point)"])
                    if fault == "signal=KILL" && status == 0 { unfired.append(label) }
                    // A failed call may leave an input waiting; the next run (a restart) takes it.
                    #expect(try Self.runOnce(root) == 0, "\(label): the restart failed")
                    try check(HomeLayout(root: root), inputs: inputs, label: label)
                    try FileManager.default.removeItem(atPath: root)
                    faults += 1
                }
            }
        }
        #expect(faults > 30)
        // The injections really happen: a kill at a call that exists ends the run.
        #expect(unfired.count < faults / 6, "kills that did not fire: \(unfired.prefix(5))")
        print("fault injection: \(faults) faults survived over \(counts.filter { $0.value > 0 }.count) syscalls \(counts)")
    }

    /// The home after a fault and a restart.
    func check(_ layout: HomeLayout, inputs: [[UInt8]], label: String) throws {
        let home = try Home(layout, readOnly: true)
        let audit = try HomeAudit.run(home)
        #expect(audit.findings.isEmpty, "\(label): \(audit.findings.prefix(3))")
        let recorded = try ExactlyOnce.submissionEvents(in: home.ledger)
        for input in inputs {
            let sha = SHA256.hex(input)
            #expect(recorded[sha] == 1, "\(label): input \(sha.prefix(12)) recorded \(recorded[sha] ?? 0) times")
            #expect(ExactlyOnce.isKept(sha, in: layout), "\(label): input \(sha.prefix(12)) is kept nowhere")
        }
        let packs = try #require(try home.ledger.caseRecord(TestHome.caseRef)).packs.count
        #expect(packs == 1, "\(label): \(packs) packs released")
        let waiting = (try? FileManager.default.contentsOfDirectory(atPath: layout.dropNew)) ?? []
        #expect(waiting.isEmpty, "\(label): \(waiting) still waiting")
        for directory in [layout.store, layout.quarantine, layout.receipts, layout.packs, layout.root] {
            let enumerator = FileManager.default.enumerator(atPath: directory)
            while let name = enumerator?.nextObject() as? String {
                #expect(!(name as NSString).lastPathComponent.hasPrefix(".tmp-"), "\(label): temporary file \(name) left")
            }
        }
    }
}
