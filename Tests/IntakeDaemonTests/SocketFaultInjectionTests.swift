import Foundation
import Glibc
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// Crash at every step, with the socket (issue 6, docs/testing.md): the real daemon, `intake
/// serve`, runs with `strace -f` attached once it serves, which kills it with SIGKILL at the Nth
/// call of a file-system syscall or makes that call fail with EIO or ENOSPC, while a client
/// delivers a return and junk through the drop directory and posts returns, a duplicate and
/// junk to `POST /v1/submissions`; the three returns complete the case and release its pack.
/// The client keeps every receipt it is handed. The daemon dies, or is stopped with SIGTERM once
/// the work is done or has stalled; a normal daemon is started, the client retries every
/// submission that got no answer (or a 503), as an agency would, and then:
///
/// - `intake verify` passes, drop/new is empty, the pack was released once, no temporary file;
/// - each drop input is recorded exactly once; each return is accepted exactly once, whichever of
///   its envelopes (an original, a retry, a resealed copy) got there first, and every other
///   arrival of it is a duplicate; junk is only ever rejected; a posted input is recorded once
///   per post that got an answer and at most once per post; everything is kept in store/ or
///   quarantine/;
/// - every post got its answer in the end: 201 or 200 for a return (a 200 carries the original
///   acceptance's receipt), 400 for junk;
/// - every receipt handed out, before the fault and after the restart, over the socket or in
///   receipts/AGENCY/, verifies against the restarted home (`intake receipt verify`), and the
///   ledger's root at its tree size is its checkpoint's root: the tree never shrank;
/// - an injected EIO or ENOSPC never ends the daemon, which finishes the work by itself before
///   any restart (it retries), and every failure it logs names its cause. (Not when the error
///   lands on an eventfd write, a wakeup between threads that the kernel never fails so: NIO or
///   Dispatch may then lose the wakeup and stall; such runs get the checks after the restart.)
///
/// strace counts calls per thread, and a daemon's calls are spread over threads that vary from
/// run to run: two clean traced runs count them, the calls hit are spread over the largest
/// count any thread made, and a call that another run never reaches simply does not fire (the
/// test checks that most kills do, and reports where the faults landed). Attaching once the
/// daemon serves keeps the dynamic loader's hundred `openat` calls at start-up out of the count
/// (the drop-directory suite covers start-up). By default `INTAKE_SOCKET_FAULT_POINTS` (3) calls
/// per syscall are hit; 0 hits every one (`INTAKE_FAULT_POINTS` is used when it is not set);
/// `INTAKE_FAULT_ONLY="openat call 10 error=EIO"` reruns one fault.
@Suite(.enabled(if: FaultInjection.isAvailable, "strace is not installed"))
struct SocketFaultInjectionTests {
    let pki = sharedPKI
    /// The file-system calls, SQLite's own among them, and `writev` (how an answer is sent).
    static let syscalls = ["openat", "write", "writev", "fsync", "fdatasync", "ftruncate", "renameat2", "rename", "unlink",
                           "unlinkat", "mkdir", "mkdirat", "pwrite64"]
    static let points = FaultInjection.points("INTAKE_SOCKET_FAULT_POINTS", default: 3)
    /// Only this fault ("openat call 10 error=EIO"), to rerun one a run reported.
    static let only = ProcessInfo.processInfo.environment["INTAKE_FAULT_ONLY"]
    /// How long a daemon that survived a fault has to finish the work by itself.
    static let stall = Duration.seconds(15)

    /// One input of the scenario.
    struct Input {
        let name: String
        let bytes: [UInt8]
        let bySocket: Bool
        /// The SHA-256 of the return inside; nil for junk.
        let content: String?
        var sha256: String { SHA256.hex(bytes) }
    }

    /// A home expecting three agencies, with a pack recipient, and the inputs: police's return
    /// and junk for the drop directory, and for the socket health's and education's returns
    /// (the three complete the case), health's return sealed again (a duplicate), and junk.
    func template() throws -> (TestHome, [Input]) {
        _ = MeetingPackReleaseTests.chair
        let test = try TestHome(pki: pki, agencies: ["police", "health", "education"])
        try FileManager.default.copyItem(atPath: pki.url("chair.crt").path, toPath: "\(test.layout.packRecipients)/chair.pem")
        func sealed(_ agency: String) throws -> [UInt8] {
            try EnvelopeSealer.seal(TestHome.returnJSON(agency: agency), signer: pki.certificate(agency), key: pki.key(agency),
                                    to: [test.home.intakeCertificate])
        }
        func content(_ agency: String) -> String { SHA256.hex(TestHome.returnJSON(agency: agency)) }
        let inputs = [
            Input(name: "police (drop)", bytes: try sealed("police"), bySocket: false, content: content("police")),
            Input(name: "junk (drop)", bytes: Array("not an envelope (drop)".utf8), bySocket: false, content: nil),
            Input(name: "health (socket)", bytes: try sealed("health"), bySocket: true, content: content("health")),
            Input(name: "education (socket)", bytes: try sealed("education"), bySocket: true, content: content("education")),
            Input(name: "health again (socket)", bytes: try sealed("health"), bySocket: true, content: content("health")),
            Input(name: "junk (socket)", bytes: Array("not an envelope (socket)".utf8), bySocket: true, content: nil),
        ]
        return (test, inputs)
    }

    @Test(.timeLimit(.minutes(60)))
    func everyInjectedFaultOnTheSocketPathIsSurvived() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: CrashTests.intakeBinary), "build the intake executable first")
        let (test, inputs) = try template()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("socket-faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let started = ContinuousClock.now

        // 1. Two clean traced runs count the calls of each syscall (the larger count of each is
        // kept: whether SQLite checkpoints its WAL as the daemon stops, say, varies).
        var totals: [String: Int] = [:], counts: [String: Int] = [:]
        for attempt in 1...2 {
            let trace = scratch.appendingPathComponent("trace-\(attempt).txt").path
            let clean = try await run(template: test, inputs: inputs, in: scratch.appendingPathComponent("traced-\(attempt)").path,
                                      strace: ["-e", "trace=" + Self.syscalls.joined(separator: ","), "-o", trace],
                                      label: "traced run \(attempt)")
            #expect(clean.finishedAlone && clean.ended == .stopped, "traced run \(attempt): \(clean)")
            let counted = try FaultInjection.countCalls(inTrace: trace, of: Self.syscalls)
            totals.merge(counted.total, uniquingKeysWith: max)
            counts.merge(counted.perThread, uniquingKeysWith: max)
        }
        #expect((counts["fsync"] ?? 0) + (counts["fdatasync"] ?? 0) > 0 && (counts["renameat2"] ?? 0) + (counts["rename"] ?? 0) > 0
                && (counts["pwrite64"] ?? 0) > 0 && (counts["writev"] ?? 0) + (counts["write"] ?? 0) > 0, "\(counts)")

        // 2. Each fault, then a restart, the retries and the checks.
        var results: [(label: String, fault: String, result: RunResult)] = []
        var faults: [(syscall: String, point: Int, fault: String)] = []
        for (syscall, count) in counts.sorted(by: { $0.key < $1.key }) where count > 0 {
            for point in FaultInjection.spread(count, points: Self.points) {
                faults += FaultInjection.faults.map { (syscall, point, $0) }
            }
        }
        if let only = Self.only?.split(separator: " "), only.count == 4, let point = Int(only[2]) {
            faults = [(String(only[0]), point, String(only[3]))]
        }
        for (syscall, point, fault) in faults {
                    let label = "\(syscall) call \(point) \(fault)"
                    let root = scratch.appendingPathComponent("run-\(results.count)").path
                    let result = try await run(template: test, inputs: inputs, in: root,
                                               strace: ["-y"] + FaultInjection.inject(fault, at: point, of: syscall, output: "\(root).trace"),
                                               label: label)
                    results.append((label, fault, result))
        }
        let kills = results.filter { $0.fault == "signal=KILL" }
        let unfired = kills.filter { $0.result.ended != .killed }.map(\.label)
        // An error injected into an eventfd write (a thread waking another: a `write` that is no
        // file-system call, and one the kernel never fails with EIO or ENOSPC) can lose a wakeup
        // inside NIO or Dispatch and wedge the daemon; such runs are held only to the checks
        // after the restart.
        let wakeups = results.filter { $0.result.landedOn.contains("eventfd") }
        let crashed = results.filter { $0.fault != "signal=KILL" && !$0.result.landedOn.contains("eventfd") && $0.result.ended != .stopped }
        #expect(Self.only != nil || results.count >= 3 * counts.values.filter { $0 > 0 }.count)
        // The injections really happen: most kills end the daemon (a call N that no thread
        // reaches in a run does not fire), and faults land on the work.
        #expect(unfired.count * 2 < kills.count || Self.only != nil, "kills that did not fire: \(unfired)")
        let landed = Dictionary(grouping: results.flatMap { $0.result.landedOn }, by: { $0 }).mapValues(\.count)
        #expect(Self.only != nil || ["ledger", "store", "socket"].allSatisfy { landed[$0] != nil }, "faults landed on \(landed)")
        #expect(crashed.isEmpty, "an injected I/O error ended the daemon: \(crashed.map { "\($0.label): \($0.result.ended)" })")
        // A daemon that survived an I/O error finishes the work by itself (it retries).
        let stalled = results.filter {
            $0.fault != "signal=KILL" && !$0.result.landedOn.contains("eventfd") && $0.result.ended == .stopped && !$0.result.finishedAlone
        }
        #expect(stalled.isEmpty, "needed the restart: \(stalled.map { "\($0.label): \($0.result.waiting)\n\($0.result.log)" })")
        let unnamed = results.flatMap { $0.result.unnamedErrors }
        #expect(unnamed.isEmpty, "failures logged without their cause: \(unnamed.prefix(5))")
        print("socket fault injection: \(results.count) faults survived over \(counts.filter { $0.value > 0 }.count) syscalls; "
              + "calls per thread \(counts), in all \(totals); \(kills.count - unfired.count) of \(kills.count) kills fired; "
              + "\(results.filter(\.result.finishedAlone).count) runs finished their work without a restart; "
              + "\(results.map(\.result.lostAnswers).reduce(0, +)) answers lost and retried; faults landed on \(landed) "
              + "(\(wakeups.count) runs on an eventfd: \(wakeups.map { "\($0.label) \($0.result.ended)" })); "
              + "\(ContinuousClock.now - started)")
        for (label, _, result) in results where !result.finishedAlone && result.ended == .stopped {
            print("  needed the restart: \(label): \(result.waiting)")
        }
    }

    /// How one run went.
    struct RunResult: CustomStringConvertible {
        enum Ended: Equatable { case stopped, killed, other(String) }
        /// How the faulted daemon ended: stopped by SIGTERM (exit 0), killed by SIGKILL (the
        /// injection), or otherwise (an error exit or a crash).
        var ended: Ended
        /// Every post was answered (not 503), drop/new emptied and the pack released before the
        /// restart.
        var finishedAlone: Bool
        /// What was not done when the faulted daemon was stopped.
        var waiting: String
        /// Where the injected faults landed (the folder or file kind).
        var landedOn: [String]
        /// Posts the daemon recorded but whose answer never came (a retry was answered 200).
        var lostAnswers: Int
        /// Log lines of the faulted daemon that name no cause for a failure (`error=error`).
        var unnamedErrors: [String]
        /// The end of the faulted daemon's log, when it needed the restart.
        var log = ""
        var description: String { "ended \(ended), finished alone \(finishedAlone), waiting \(waiting), landed on \(landedOn)" }
    }

    /// One run on a fresh copy of the template: the daemon, strace attached with `strace`, the
    /// deliveries and posts, the stop, the restart and the retries, and the checks.
    func run(template test: TestHome, inputs: [Input], in root: String, strace: [String], label: String) async throws -> RunResult {
        try FileManager.default.copyItem(atPath: test.layout.root, toPath: root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = HomeLayout(root: root)
        let client = Client(socket: layout.path("intake.sock"))

        // The faulted daemon: strace attached once it serves, deliveries and posts, then a stop
        // once the work is done or has stalled.
        let faulted = try ServeChild(root: root, log: "\(root).faulted.log")
        #expect(await faulted.waitUntilServing(seconds: 30), "\(label): the daemon did not serve: \(faulted.logTail)")
        let tracer = try await Tracer(attachingTo: faulted.pid, arguments: strace, log: "\(root).strace.log")
        for input in inputs where !input.bySocket { try TestHome.drop(input.bytes, into: layout) }
        for input in inputs where input.bySocket {
            guard faulted.isRunning else { break }
            client.post(input)
        }
        // While it runs, the client retries what got no answer or a 503, as an agency would;
        // a daemon that survived the fault must finish the work by itself.
        let deadline = ContinuousClock.now + Self.stall
        while faulted.isRunning, !Self.waiting(layout, client: client, inputs: inputs).isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            for input in inputs where input.bySocket && client.finalAnswer(input) == nil && faulted.isRunning { client.post(input) }
        }
        let waiting = Self.waiting(layout, client: client, inputs: inputs)
        let escalated = await faulted.stop(grace: 15)
        await tracer.finish()
        let wakeup = tracer.injected().contains { FaultInjection.kind($0) == "eventfd" }
        #expect(!escalated || wakeup, "\(label): the daemon did not stop on SIGTERM: \(faulted.hung)\n\(tracer.injected())\n\(faulted.logTail)")
        let ended: RunResult.Ended = faulted.exitedCleanly ? .stopped
            : faulted.signal == SIGKILL && !escalated ? .killed : .other(faulted.termination)
        // Receipts written before the restart were handed out (an agency may have fetched them).
        let handedOut = FaultInjection.receiptFiles(layout)

        // The restart: a normal daemon; the client retries what got no answer.
        let restarted = try ServeChild(root: root, log: "\(root).restarted.log")
        #expect(await restarted.waitUntilServing(seconds: 30), "\(label): the restarted daemon did not serve: \(restarted.logTail)")
        for input in inputs where input.bySocket {
            for _ in 0..<5 where client.finalAnswer(input) == nil {
                client.post(input)
                if client.finalAnswer(input) == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
        let settled = ContinuousClock.now + .seconds(60)
        while !Self.waiting(layout, client: client, inputs: inputs).isEmpty, ContinuousClock.now < settled {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(await !restarted.stop(grace: 30) && restarted.exitedCleanly,
                "\(label): the restarted daemon did not stop cleanly: \(restarted.logTail)")
        try check(layout, inputs: inputs, client: client, handedOut: handedOut, label: label)
        // An answer lost: a post got none, and a later one was answered as the duplicate of it.
        let lostAnswers = inputs.filter { input in
            let answers = client.answers(input)
            return input.bySocket && input.content != nil && answers.first.map { $0 == nil } == true && answers.last??.status == 200
        }.count
        let unnamed = faulted.logText.split(separator: "\n")
            .filter { $0.contains("error=error") }.map { "\(label): \($0)" }
        return RunResult(ended: ended, finishedAlone: waiting.isEmpty, waiting: waiting.joined(separator: ", "),
                         landedOn: tracer.injected().map(FaultInjection.kind), lostAnswers: lostAnswers, unnamedErrors: unnamed,
                         log: waiting.isEmpty ? "" : faulted.logTail + "\n" + tracer.injected().joined(separator: "\n"))
    }

    /// What is not done yet: inputs in drop/new, posts without a final answer, the pack's release.
    static func waiting(_ layout: HomeLayout, client: Client, inputs: [Input]) -> [String] {
        var waiting: [String] = []
        if !((try? FileManager.default.contentsOfDirectory(atPath: layout.dropNew)) ?? ["?"]).isEmpty { waiting.append("drop/new") }
        waiting += inputs.filter { $0.bySocket && client.finalAnswer($0) == nil }.map(\.name)
        let released = (try? Home(layout, readOnly: true).ledger.caseRecord(TestHome.caseRef))?.packs.isEmpty == false
        if !released { waiting.append("the pack") }
        return waiting
    }

    /// The home after the fault, the restart and the retries.
    func check(_ layout: HomeLayout, inputs: [Input], client: Client, handedOut: [String: [UInt8]], label: String) throws {
        let home = try Home(layout, readOnly: true)
        try FaultInjection.checkHome(home, label: label)
        let events = try ExactlyOnce.events(in: home.ledger)
        var accepted: [String: [ExactlyOnce.Event]] = [:]  // by content
        for input in inputs {
            let sha = input.sha256, recorded = events[sha] ?? []
            #expect(ExactlyOnce.isKept(sha, in: layout), "\(label): \(input.name) is kept nowhere")
            if input.bySocket {
                let answered = client.answers(input).filter { $0 != nil && $0?.status != 503 }.count
                #expect(recorded.count >= answered && recorded.count <= client.answers(input).count,
                        "\(label): \(input.name) recorded \(recorded.count) times for \(client.answers(input).map { $0?.status ?? 0 })")
            } else {
                #expect(recorded.count == 1, "\(label): \(input.name) recorded \(recorded.count) times")
            }
            if let content = input.content {
                #expect(recorded.allSatisfy { $0.kind == .submissionAccepted || $0.kind == .submissionDuplicate }, "\(label): \(input.name)")
                accepted[content, default: []] += recorded.filter { $0.kind == .submissionAccepted }
            } else {
                #expect(recorded.allSatisfy { $0.kind == .submissionRejected }, "\(label): \(input.name)")
            }
        }
        for (content, acceptances) in accepted {
            #expect(acceptances.count == 1, "\(label): return \(content.prefix(12)) accepted \(acceptances.count) times")
        }

        // Every post was answered in the end, as the contract says.
        for input in inputs where input.bySocket {
            let final = client.finalAnswer(input)
            if input.content == nil {
                #expect(final?.status == 400, "\(label): \(input.name) answered \(final?.status ?? 0)")
            } else {
                #expect(final?.status == 201 || final?.status == 200, "\(label): \(input.name) answered \(final?.status ?? 0)")
            }
        }

        // Every receipt handed out verifies against the restarted home, and names the return's
        // one acceptance: a 201 this envelope's, a 200 (a duplicate) the original's.
        var labelled: [(label: String, der: [UInt8])] = []
        var expected: [(input: Input, status: Int)] = []
        for input in inputs where input.bySocket {
            for case let answer? in client.answers(input) where answer.status == 200 || answer.status == 201 {
                guard let receipt = answer.json?["receipt"]?.stringValue.flatMap({ Base64.decode($0) }) else {
                    Issue.record("\(label): \(input.name) answered \(answer.status) without a receipt")
                    continue
                }
                labelled.append(("\(input.name) answered \(answer.status)", receipt))
                expected.append((input, answer.status))
            }
        }
        let socketCount = labelled.count
        labelled += handedOut.map { ("before the restart: \($0.key)", $0.value) }
            + FaultInjection.receiptFiles(layout).map { ($0.key, $0.value) }
        for (offset, receipt) in try FaultInjection.checkReceipts(labelled, home: home, label: label).enumerated() {
            guard let receipt else { continue }
            let acceptance = accepted[receipt.contentSha256]?.first
            #expect(receipt.status == .accepted && receipt.index == acceptance?.index,
                    "\(label): \(labelled[offset].label) names entry \(receipt.index), not the acceptance \(acceptance?.index ?? -1)")
            guard offset < socketCount else { continue }
            let (input, status) = expected[offset]
            #expect(receipt.contentSha256 == input.content, "\(label): \(labelled[offset].label) is another return's")
            if status == 201 { #expect(receipt.envelopeSha256 == input.sha256, "\(label): \(labelled[offset].label)") }
        }
    }

    /// A client of the socket that keeps every answer (nil: no answer) per input.
    final class Client: @unchecked Sendable {
        let socket: String
        private var posts: [String: [HTTPTestResponse?]] = [:]

        init(socket: String) { self.socket = socket }

        func post(_ input: Input) {
            let answer = try? HTTPTestConnection.request(unix: socket, "POST", "/v1/submissions",
                                                         headers: [("Content-Type", "application/pkcs7-mime")], body: input.bytes,
                                                         timeout: 10)
            posts[input.name, default: []].append(answer)
        }

        func answers(_ input: Input) -> [HTTPTestResponse?] { posts[input.name] ?? [] }

        /// The last answer, when it is final (not 503: retry).
        func finalAnswer(_ input: Input) -> HTTPTestResponse? {
            guard let last = answers(input).last, let answer = last, answer.status != 503 else { return nil }
            return answer
        }
    }
}

/// `strace -f -p PID` attached to a running process: every thread it has and starts.
final class Tracer: @unchecked Sendable {
    let process = Process()
    let output: String?

    /// Attaches with `arguments` and returns once every thread of `pid` is traced.
    init(attachingTo pid: pid_t, arguments: [String], log: String) async throws {
        output = arguments.firstIndex(of: "-o").map { arguments[$0 + 1] }
        process.executableURL = URL(fileURLWithPath: FaultInjection.strace)
        process.arguments = ["-f", "-p", "\(pid)"] + arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let tracer = process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline {
            let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let traced = threads.filter { thread in
                let status = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8)) ?? ""
                return status.split(separator: "\n").contains { $0.hasPrefix("TracerPid:") && $0.hasSuffix("\t\(tracer)") }
            }
            if !threads.isEmpty && traced.count == threads.count { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for strace to end (it ends with the process it traces).
    func finish() async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// The calls faulted (`FaultInjection.injectedCalls`).
    func injected() -> [String] { output.map(FaultInjection.injectedCalls(inTrace:)) ?? [] }
}
