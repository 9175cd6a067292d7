import Foundation
import Glibc
import IntakeCore
import IntakeTestSupport

/// `intake-bench socket`: a release `intake serve` on a fresh home for each client count,
/// and measures
/// - sustained accepted submissions per second over the Unix socket with that many concurrent
///   keep-alive clients, with p50/p99 latency from the first byte of the request to the last
///   byte of the receipt, against `intake ingest` of the same files into another copy;
/// - the daemon's peak RSS (VmHWM) under a flood of `flood` malformed requests, once with the
///   default limits (the flood is mostly refused 429 unread) and once with the limits lifted
///   (every request is opened, quarantined and recorded).
func runSocketBench(_ options: Options, bench: Bench, fixture: Fixture) throws {
    print("socket: \(options.files) envelopes of ~\(options.size / 1000) KB; clients \(options.clients); flood of \(options.flood)")
    // Return i is for case i % 32; clients take the next return whose case has none in flight,
    // so each case's versions arrive in the order they were signed (an agency's earlier
    // version sent after a later one is refused).
    let cases = 32
    let files = try fixture.sealFiles(options.files, bytes: options.size, into: bench.path("inputs-\(options.size)"), cases: cases)
    let envelopes = try files.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }

    let ingestHome = try fixture.freshHome(bench, "home-socket-ingest")
    try fixture.openCases(cases, in: ingestHome)
    let ingest = try bench.run(bench.intake, ["ingest", "--home", ingestHome] + files)
    guard ingest.status == 0 else { Options.fail("intake ingest failed") }
    let ingestRate = Double(files.count) / ingest.seconds
    print(String(format: "ingest:  %d accepted in %.2f s = %.1f/s", files.count, ingest.seconds, ingestRate))

    for clients in options.clients {
        // Every submission is accepted (a new version each time) and answered with a receipt.
        var rates: [Double] = [], p50s: [Double] = [], p99s: [Double] = []
        for run in 0..<max(1, min(options.runs, 3)) {
            let home = try fixture.freshHome(bench, "home-socket-\(clients)-\(run)")
            try fixture.openCases(cases, in: home)
            try liftLimits(home)
            let daemon = try Daemon(intakeBinary: bench.intake, home: home)
            let (seconds, latencies, statuses) = try submitAll(envelopes, to: daemon.socketPath, clients: clients)
            daemon.stop()
            try? FileManager.default.removeItem(atPath: home)
            guard statuses.allSatisfy({ $0 == 201 }) else { Options.fail("not every submission was accepted: \(Set(statuses))") }
            rates.append(Double(envelopes.count) / seconds)
            p50s.append(percentile(latencies, 0.50) * 1000)
            p99s.append(percentile(latencies, 0.99) * 1000)
        }
        print(String(format: "socket, %2d clients: median %.1f accepted/s (runs %@); p50 %.1f ms (%@); p99 %.1f ms (%@); socket/ingest %.2f",
                     clients, median(rates), list(rates, "%.1f"), median(p50s), list(p50s, "%.1f"), median(p99s), list(p99s, "%.1f"),
                     median(rates) / ingestRate))
    }

    // Floods of malformed requests.
    for lifted in [false, true] where options.flood > 0 {
        let floodHome = try fixture.freshHome(bench, "home-flood-\(lifted)")
        if lifted { try liftLimits(floodHome) }
        let daemon = try Daemon(intakeBinary: bench.intake, home: floodHome)
        let junk = (0..<options.flood).map { Array("malformed request \($0) ".utf8) + [UInt8](repeating: 0x41, count: 1000) }
        let (seconds, _, statuses) = try submitAll(junk, to: daemon.socketPath, clients: 8)
        let peak = daemon.peakRSS()
        daemon.stop()
        let counts = Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count).sorted { $0.key < $1.key }
        print(String(format: "flood (%@): %d requests from 8 clients in %.2f s; answers %@; daemon peak RSS %@",
                     lifted ? "limits lifted" : "default limits", options.flood, seconds,
                     counts.map { "\($0.key)×\($0.value)" }.joined(separator: " "), megabytes(peak)))
    }
}

/// The per-peer limits raised out of the way, for measuring the pipeline itself (the
/// benchmark's clients are all one uid, so one peer), and `max_concurrent` raised above the
/// largest client count (by default the ninth submission at once is answered 503 busy).
func liftLimits(_ home: String) throws {
    let path = "\(home)/intake.toml"
    let text = try String(contentsOfFile: path, encoding: .utf8)
        .replacingOccurrences(of: "max_concurrent = 8", with: "max_concurrent = 256")
        .replacingOccurrences(of: "rate = 20", with: "rate = 1000000")
        .replacingOccurrences(of: "burst = 40", with: "burst = 1000000")
        .replacingOccurrences(of: "rejections_per_hour = 120", with: "rejections_per_hour = 1000000")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Sends every body as `POST /v1/submissions` from `clients` threads, each on its own
/// keep-alive connection; returns the wall time, each request's latency and its status.
private func submitAll(_ bodies: [[UInt8]], to socketPath: String, clients: Int) throws -> (Double, [Double], [Int]) {
    /// The work queue and the results, shared by the client threads under one lock.
    final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var latencies: [Double] = [], statuses: [Int] = []
        var next: [Int] = []          // per case, the next body index to send
        var busy: Set<Int> = []       // cases with a body in flight
        var sent = 0

        /// The next body to send, of a case with none in flight (waits while all are busy).
        func take(_ count: Int, cases: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            while sent < count {
                // The lowest index among the idle cases' next bodies.
                var best: Int?
                for c in 0..<cases where !busy.contains(c) && next[c] < count {
                    if best == nil || next[c] < next[best!] { best = c }
                }
                if let c = best {
                    let index = next[c]
                    next[c] += cases
                    busy.insert(c)
                    sent += 1
                    return index
                }
                lock.unlock(); usleep(200); lock.lock()
            }
            return nil
        }

        func done(_ index: Int, cases: Int) {
            lock.lock()
            busy.remove(index % cases)
            lock.unlock()
        }
    }
    let shared = Shared()
    let cases = min(32, max(bodies.count, 1))
    shared.next = Array(0..<cases)
    let group = DispatchGroup()
    let start = DispatchTime.now()
    for _ in 0..<clients {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            var connection = try? HTTPTestConnection(unix: socketPath)
            while let index = shared.take(bodies.count, cases: cases) {
                defer { shared.done(index, cases: cases) }
                let began = DispatchTime.now()
                if connection == nil { connection = try? HTTPTestConnection(unix: socketPath) }
                var status = 0
                if let current = connection, current.sendRequest("POST", "/v1/submissions", body: bodies[index]),
                   let response = current.readResponse(timeout: 120) {
                    status = response.status
                    if response.headers["connection"] == "close" { connection = nil }
                } else {
                    connection = nil
                }
                let elapsed = seconds(since: began)
                shared.lock.lock()
                shared.latencies.append(elapsed)
                shared.statuses.append(status)
                shared.lock.unlock()
            }
        }
    }
    group.wait()
    return (seconds(since: start), shared.latencies, shared.statuses)
}

/// A release `intake serve` on a home, stopped with SIGTERM.
final class Daemon {
    let process = Process()
    let socketPath: String
    /// Seconds from launch to the first `/healthz` 200.
    private(set) var readySeconds = 0.0

    /// With `log`, the daemon's log lines (stderr) go to that file.
    init(intakeBinary: String, home: String, readyTimeout: Double = 60, log: String? = nil) throws {
        socketPath = "\(home)/intake.sock"
        process.executableURL = URL(fileURLWithPath: intakeBinary)
        process.arguments = ["serve", "--home", home]
        process.standardOutput = FileHandle.nullDevice
        if let log {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        } else {
            process.standardError = FileHandle.nullDevice
        }
        let start = DispatchTime.now()
        try process.run()
        while seconds(since: start) < readyTimeout {
            if (try? HTTPTestConnection.request(unix: socketPath, "GET", "/healthz", timeout: 5))?.status == 200 {
                readySeconds = seconds(since: start)
                return
            }
            usleep(2_000)
        }
        Options.fail("intake serve did not come up")
    }

    /// VmHWM: the process's peak resident set so far, in bytes.
    func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
