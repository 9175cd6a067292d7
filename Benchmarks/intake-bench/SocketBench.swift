import Foundation
import Glibc
import IntakeCore
import IntakeTestSupport

/// `intake-bench socket [--files 300] [--size 200000] [--clients 8] [--flood 10000]`:
/// starts a release `intake serve` on a copy of the template home and measures
/// - sustained accepted submissions per second over the Unix socket with `clients` concurrent
///   keep-alive clients, with p50/p99 latency from request to receipt, against `intake ingest`
///   of the same files into another copy;
/// - the daemon's peak RSS (VmHWM) under a flood of `flood` malformed requests, once with the
///   default limits (the flood is mostly refused 429 unread) and once with the limits lifted
///   (every request is opened, quarantined and recorded).
func runSocketBench(files: [String], clients: Int, flood: Int, intakeBinary: String, freshHome: (String) throws -> String) throws {
    print("intake-bench socket: \(files.count) envelopes, \(clients) clients; flood of \(flood)")
    let envelopes = try files.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }

    // Throughput: every submission is accepted (a new version each time) and answered with a receipt.
    let home = try freshHome("home-socket")
    try liftLimits(home)
    let daemon = try Daemon(intakeBinary: intakeBinary, home: home)
    let (seconds, latencies, statuses) = try submitAll(envelopes, to: daemon.socketPath, clients: clients)
    daemon.stop()
    guard statuses.allSatisfy({ $0 == 201 }) else { fatalError("not every submission was accepted: \(Set(statuses))") }
    let sorted = latencies.sorted()
    let rate = Double(envelopes.count) / seconds
    let ingestHome = try freshHome("home-socket-ingest")
    let ingest = try run(intakeBinary, ["ingest", "--home", ingestHome] + files)
    guard ingest.status == 0 else { fatalError("intake ingest failed") }
    let ingestRate = Double(files.count) / ingest.seconds
    print(String(format: "socket:  %d accepted in %.2f s = %.1f/s with %d clients; latency p50 %.1f ms, p99 %.1f ms",
                 envelopes.count, seconds, rate, clients, sorted[sorted.count / 2] * 1000,
                 sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))] * 1000))
    print(String(format: "ingest:  %d accepted in %.2f s = %.1f/s; socket/ingest = %.2f", files.count, ingest.seconds, ingestRate,
                 rate / ingestRate))

    // Floods of malformed requests.
    for lifted in [false, true] where flood > 0 {
        let floodHome = try freshHome("home-flood-\(lifted)")
        if lifted { try liftLimits(floodHome) }
        let floodDaemon = try Daemon(intakeBinary: intakeBinary, home: floodHome)
        let junk = (0..<flood).map { Array("malformed request \($0) ".utf8) + [UInt8](repeating: 0x41, count: 1000) }
        let (floodSeconds, _, floodStatuses) = try submitAll(junk, to: floodDaemon.socketPath, clients: clients)
        let peak = floodDaemon.peakRSS()
        floodDaemon.stop()
        let counts = Dictionary(grouping: floodStatuses, by: { $0 }).mapValues(\.count).sorted { $0.key < $1.key }
        print(String(format: "flood (%@): %d requests in %.2f s; answers %@; daemon peak RSS %.1f MB",
                     lifted ? "limits lifted" : "default limits", flood, floodSeconds,
                     counts.map { "\($0.key)×\($0.value)" }.joined(separator: " "), Double(peak) / 1e6))
    }
}

/// The per-peer limits raised out of the way, for measuring the pipeline itself.
private func liftLimits(_ home: String) throws {
    let path = "\(home)/intake.toml"
    let text = try String(contentsOfFile: path, encoding: .utf8)
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
        var cursor = 0
        var latencies: [Double] = [], statuses: [Int] = []
    }
    let shared = Shared()
    let group = DispatchGroup()
    let start = DispatchTime.now()
    for _ in 0..<clients {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            var connection = try? HTTPTestConnection(unix: socketPath)
            while true {
                shared.lock.lock()
                let index = shared.cursor
                shared.cursor += 1
                shared.lock.unlock()
                guard index < bodies.count else { break }
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
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - began.uptimeNanoseconds) / 1e9
                shared.lock.lock()
                shared.latencies.append(elapsed)
                shared.statuses.append(status)
                shared.lock.unlock()
            }
        }
    }
    group.wait()
    return (Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9, shared.latencies, shared.statuses)
}

/// A release `intake serve` on a home, stopped with SIGTERM.
private final class Daemon {
    let process = Process()
    let socketPath: String

    init(intakeBinary: String, home: String) throws {
        socketPath = "\(home)/intake.sock"
        process.executableURL = URL(fileURLWithPath: intakeBinary)
        process.arguments = ["serve", "--home", home]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<500 {
            if (try? HTTPTestConnection.request(unix: socketPath, "GET", "/healthz", timeout: 5))?.status == 200 { return }
            usleep(20_000)
        }
        fatalError("intake serve did not come up")
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
