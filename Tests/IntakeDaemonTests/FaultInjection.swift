import Foundation
import Glibc
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// What the fault-injection suites share (docs/testing.md): strace, the calls to hit, and the
/// checks on a home after a fault and a restart.
enum FaultInjection {
    static let strace = "/usr/bin/strace"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: strace) }

    /// The faults injected at each call hit.
    static let faults = ["signal=KILL", "error=EIO", "error=ENOSPC"]

    /// How many calls of each syscall to hit: `variable`, else `INTAKE_FAULT_POINTS`, else
    /// `fallback`. 0 means every call.
    static func points(_ variable: String? = nil, default fallback: Int) -> Int {
        let environment = ProcessInfo.processInfo.environment
        return Int(variable.flatMap { environment[$0] } ?? environment["INTAKE_FAULT_POINTS"] ?? "") ?? fallback
    }

    /// The calls to hit of a syscall made `count` times: every one, or `points` spread evenly
    /// from the first to the last.
    static func spread(_ count: Int, points: Int) -> [Int] {
        guard count > 0 else { return [] }
        guard points > 0, count > points else { return Array(1...count) }
        guard points > 1 else { return [1 + (count - 1) / 2] }
        return Set((0..<points).map { 1 + $0 * (count - 1) / (points - 1) }).sorted()
    }

    /// The calls of each of `syscalls` in an `strace -f` output: in all, and the most any one
    /// thread made. strace counts calls per thread for `inject=…:when=N` ("per syscall and per
    /// tracee"), so call N is the Nth call of the syscall on any one thread, and the calls to
    /// hit are spread over the largest per-thread count. A call another thread interrupted
    /// (`<unfinished ...>`, then `<... resumed>`) counts once.
    static func countCalls(inTrace path: String, of syscalls: [String]) throws -> (total: [String: Int], perThread: [String: Int]) {
        var counts: [String: [Substring: Int]] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let thread = line.prefix { $0.isNumber }
            let call = String(line.drop { $0.isNumber || $0 == " " }.prefix { $0 != "(" })
            if syscalls.contains(call) { counts[call, default: [:]][thread, default: 0] += 1 }
        }
        return (counts.mapValues { $0.values.reduce(0, +) }, counts.mapValues { $0.values.max() ?? 0 })
    }

    /// strace's arguments to inject `fault` at call `point` of `syscall`, tracing that syscall
    /// (strace tampers only with the calls it traces) to `output`.
    static func inject(_ fault: String, at point: Int, of syscall: String, output: String = "/dev/null") -> [String] {
        ["-o", output, "-e", "trace=\(syscall)", "-e", "inject=\(syscall):\(fault):when=\(point)"]
    }

    /// The executable and arguments that run `intake ARGUMENTS`, under `strace -f` with
    /// `straceArguments` when given.
    static func command(_ arguments: [String], strace straceArguments: [String]?) -> (String, [String]) {
        guard let straceArguments else { return (CrashTests.intakeBinary, arguments) }
        return (strace, ["-f", "-q"] + straceArguments + ["--", CrashTests.intakeBinary] + arguments)
    }

    /// The calls faulted in an strace output: those it marks `(INJECTED)`, and the call a thread
    /// was in when an injected SIGKILL ended the process.
    static func injectedCalls(inTrace path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n")
        var calls = lines.filter { $0.contains("(INJECTED)") }.map(String.init)
        if let killed = lines.firstIndex(where: { $0.contains("+++ killed by SIGKILL") }),
           let call = lines[..<killed].last(where: { $0.contains("<unfinished ...>") || $0.contains("(") && !$0.contains("resumed>") }) {
            calls.append(String(call))
        }
        return calls
    }

    /// What an injected call (a line of `strace -y`) was opening or writing to.
    static func kind(_ call: String) -> String {
        for (needle, kind) in [("ledger.sqlite", "ledger"), ("/store/", "store"), ("/quarantine/", "quarantine"),
                               ("/receipts/", "receipts"), ("/packs/", "packs"), ("/drop/", "drop"), ("checkpoints.log", "checkpoints"),
                               ("intake.sock", "socket"), ("socket:", "socket"), (".log>", "log"), ("eventfd", "eventfd"),
                               (".so", "a library (start-up)")]
        where call.contains(needle) { return kind }
        return "other"
    }

    /// Every receipt in receipts/AGENCY/ (what the drop directory hands out), by path.
    static func receiptFiles(_ layout: HomeLayout) -> [String: [UInt8]] {
        var receipts: [String: [UInt8]] = [:]
        for agency in (try? FileManager.default.contentsOfDirectory(atPath: layout.receipts)) ?? [] {
            let folder = "\(layout.receipts)/\(agency)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".receipt") {
                receipts["\(folder)/\(name)"] = (try? DurableFile.read("\(folder)/\(name)")) ?? []
            }
        }
        return receipts
    }

    /// The checks every home must pass after a fault and a restart: `intake verify`'s audit
    /// finds nothing, drop/new is empty, the pack was released exactly once, and no temporary
    /// file is left anywhere.
    static func checkHome(_ home: Home, label: String) throws {
        let layout = home.layout
        let audit = try HomeAudit.run(home)
        #expect(audit.findings.isEmpty, "\(label): \(audit.findings.prefix(3))")
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

    /// Each receipt handed out (`labelled` by where it came from) verifies against the restarted
    /// home with `intake receipt verify` (signatures, inclusion, the entry still in the ledger,
    /// the ledger consistent with the receipt's checkpoint) and in this process with the same
    /// `ReceiptVerifier`, and the ledger's root at the receipt's tree size is the checkpoint's
    /// root: the tree never shrank and never forked. Returns the receipts in order, nil where
    /// one did not verify.
    @discardableResult
    static func checkReceipts(_ labelled: [(label: String, der: [UInt8])], home: Home, label: String) throws -> [Receipt?] {
        let certificate = try Certificate(pem: DurableFile.read(home.layout.receiptCertificate))
        let size = try home.ledger.treeSize()
        var receipts: [Receipt?] = []
        for (which, der) in labelled {
            do {
                let verified = try ReceiptVerifier.verify(der, certificate: certificate, key: home.ledgerVerifierKey, ledger: home.ledger,
                                                          at: SystemClock.now().secondsSinceEpoch)
                #expect(verified.receipt.treeSize <= size)
                #expect(try home.ledger.rootHash(size: verified.receipt.treeSize) == verified.checkpoint.rootHash,
                        "\(label): \(which): the ledger's root at \(verified.receipt.treeSize) is not the receipt's")
                receipts.append(verified.receipt)
            } catch {
                Issue.record("\(label): \(which) does not verify against the restarted home: \(error)")
                receipts.append(nil)
            }
        }
        // The command, once for every distinct receipt.
        let distinct = Array(Set(labelled.map { Data($0.der) }))
        guard !distinct.isEmpty else { return receipts }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("receipts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (index, der) in distinct.enumerated() {
            paths.append(folder.appendingPathComponent("\(index).receipt").path)
            try der.write(to: URL(fileURLWithPath: paths[index]))
        }
        let result = try Subprocess.capture(CrashTests.intakeBinary, ["receipt", "verify", "--home", home.layout.root] + paths)
        let verified = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("ok: ") }.count
        #expect(result.status == 0 && verified == paths.count,
                "\(label): intake receipt verify: \(String(decoding: result.stderr, as: UTF8.self))")
        return receipts
    }
}
