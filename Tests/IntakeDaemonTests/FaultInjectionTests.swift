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
/// drop/new is empty, the pack is released once, no temporary file is left, and every receipt
/// handed out (in receipts/AGENCY/, before and after the restart) verifies against the restarted
/// ledger. `SocketFaultInjectionTests` does the same for the daemon with its socket.
///
/// By default each syscall is hit at up to `INTAKE_FAULT_POINTS` (12) evenly spread calls;
/// `INTAKE_FAULT_POINTS=0` hits every one.
@Suite(.enabled(if: FaultInjection.isAvailable, "strace is not installed"))
struct FaultInjectionTests {
    let pki = sharedPKI
    static let syscalls = ["openat", "write", "fsync", "fdatasync", "renameat2", "rename", "unlink", "unlinkat", "mkdir", "mkdirat", "pwrite64"]
    static let points = FaultInjection.points(default: 12)

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
        let (executable, arguments) = FaultInjection.command(["serve", "--once", "--home", root], strace: arguments)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
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
        let (totals, counts) = try FaultInjection.countCalls(inTrace: trace, of: Self.syscalls)
        try check(HomeLayout(root: traced), inputs: inputs, handedOut: [:], label: "the traced run")
        #expect((counts["fsync"] ?? 0) + (counts["fdatasync"] ?? 0) > 0 && (counts["renameat2"] ?? 0) + (counts["rename"] ?? 0) > 0,
                "\(counts)")

        // 2. Each fault, then a normal run, then the checks.
        var faults = 0, kills = 0
        var unfired: [String] = []
        var landed: [String: Int] = [:]
        for (syscall, count) in counts.sorted(by: { $0.key < $1.key }) where count > 0 {
            for point in FaultInjection.spread(count, points: Self.points) {
                for fault in FaultInjection.faults {
                    let label = "\(syscall) call \(point) \(fault)"
                    let root = scratch.appendingPathComponent("run-\(faults)").path
                    try FileManager.default.copyItem(atPath: test.layout.root, toPath: root)
                    let status = try Self.runOnce(root, strace: ["-y"] + FaultInjection.inject(fault, at: point, of: syscall,
                                                                                               output: "\(root).trace"))
                    if fault == "signal=KILL" { kills += 1 }
                    if fault == "signal=KILL" && status == 0 { unfired.append(label) }
                    for call in FaultInjection.injectedCalls(inTrace: "\(root).trace") { landed[FaultInjection.kind(call), default: 0] += 1 }
                    // Receipts written before the fault were handed out (an agency may have fetched them).
                    let handedOut = FaultInjection.receiptFiles(HomeLayout(root: root))
                    // A failed call may leave an input waiting; the next run (a restart) takes it.
                    #expect(try Self.runOnce(root) == 0, "\(label): the restart failed")
                    try check(HomeLayout(root: root), inputs: inputs, handedOut: handedOut, label: label)
                    try FileManager.default.removeItem(atPath: root)
                    try FileManager.default.removeItem(atPath: "\(root).trace")
                    faults += 1
                }
            }
        }
        #expect(faults > 30)
        // The injections really happen: a kill at a call that exists ends the run.
        #expect(unfired.count < faults / 6, "kills that did not fire: \(unfired.prefix(5))")
        print("fault injection: \(faults) faults survived over \(counts.filter { $0.value > 0 }.count) syscalls; "
              + "calls per thread \(counts), in all \(totals); \(kills - unfired.count) of \(kills) kills fired; "
              + "faults landed on \(landed)")
    }

    /// The home after a fault and a restart; `handedOut` holds the receipts there were before
    /// the restart.
    func check(_ layout: HomeLayout, inputs: [[UInt8]], handedOut: [String: [UInt8]], label: String) throws {
        let home = try Home(layout, readOnly: true)
        try FaultInjection.checkHome(home, label: label)
        let events = try ExactlyOnce.events(in: home.ledger)
        for input in inputs {
            let sha = SHA256.hex(input)
            #expect(events[sha]?.count == 1, "\(label): input \(sha.prefix(12)) recorded \(events[sha]?.count ?? 0) times")
            #expect(ExactlyOnce.isKept(sha, in: layout), "\(label): input \(sha.prefix(12)) is kept nowhere")
        }
        // Every receipt handed out, before the restart or after, is the accepted input's and
        // verifies against the restarted ledger; every accepted input has one.
        let final = FaultInjection.receiptFiles(layout)
        let labelled = (handedOut.map { ("before the restart: \($0.key)", $0.value) } + final.map { ("\($0.key)", $0.value) })
        for case let receipt? in try FaultInjection.checkReceipts(labelled, home: home, label: label) {
            let accepted = events[receipt.envelopeSha256]?.first { $0.kind == .submissionAccepted }
            #expect(accepted?.index == receipt.index, "\(label): a receipt for \(receipt.envelopeSha256.prefix(12)) names entry \(receipt.index)")
        }
        let receipted = Set(final.keys.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension })
        let acceptedInputs = Set(events.filter { $0.value.contains { $0.kind == .submissionAccepted } }.keys)
        #expect(acceptedInputs.isSubset(of: receipted), "\(label): accepted inputs without a receipt")
    }
}
