import Foundation
import IntakeDaemon

/// `intake-bench ingest`: `intake ingest` of `files` distinct envelopes against the stock
/// pipeline an admin would script on the same files, and against the primitive floor.
func runIngestBench(_ options: Options, bench: Bench, fixture: Fixture) throws {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("ingest: \(options.files) envelopes of ~\(options.size / 1000) KB; \(options.runs) runs of intake, \(options.stockRuns) of the stock pipeline; \(cores) cores")
    let files = try fixture.sealFiles(options.files, bytes: options.size, into: bench.path("inputs-\(options.size)"))
    let average = files.map(fileSize).reduce(0, +) / max(1, files.count)
    print("made \(files.count) envelopes, \(average) bytes on average")

    var intakeTimes: [Double] = []
    for run in 0..<options.runs {
        let home = try fixture.freshHome(bench, "home-ingest-\(run)")
        let result = try bench.run(bench.intake, ["ingest", "--home", home] + files)
        guard result.status == 0 else { Options.fail("intake ingest failed (status \(result.status))") }
        intakeTimes.append(result.seconds)
        try? FileManager.default.removeItem(atPath: home)
    }
    // The cost of starting at all: one tiny run, so that the throughput can be quoted without it.
    let startHome = try fixture.freshHome(bench, "home-start")
    let small = try fixture.sealFiles(1, bytes: 3000, into: bench.path("inputs-start"))
    let startup = median(try (0..<3).map { _ in
        try FileManager.default.removeItem(atPath: startHome)
        try FileManager.default.copyItem(atPath: fixture.template.root, toPath: startHome)
        return try bench.run(bench.intake, ["ingest", "--home", startHome] + small).seconds
    })

    let script = bench.path("stock.sh")
    try """
    #!/usr/bin/env bash
    # decrypt | verify with stock openssl, hash the envelope, one sqlite3 insert per file
    set -euo pipefail
    home=$1; shift
    db=$home/stock.sqlite
    sqlite3 "$db" 'PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS submission (file TEXT, sha256 TEXT, received_at TEXT);' >/dev/null
    for f in "$@"; do
      openssl cms -decrypt -inform DER -in "$f" -recip "$home/keys/intake.crt" -inkey "$home/keys/intake.key" -binary |
        openssl cms -verify -inform DER -CAfile "$home/trust/ca.pem" -binary -out /dev/null 2>/dev/null
      sha=$(sha256sum "$f" | cut -d' ' -f1)
      sqlite3 "$db" "INSERT INTO submission VALUES ('$(basename "$f")', '$sha', datetime('now'));"
    done
    """.write(toFile: script, atomically: true, encoding: .utf8)
    var stockTimes: [Double] = []
    for run in 0..<options.stockRuns {
        let home = try fixture.freshHome(bench, "home-stock-\(run)")
        let result = try bench.run("/bin/bash", [script, home] + files)
        guard result.status == 0 else { Options.fail("the stock pipeline failed (status \(result.status))") }
        stockTimes.append(result.seconds)
        try? FileManager.default.removeItem(atPath: home)
    }

    let floor = try PrimitiveFloor(envelopeBytes: average, bench: bench)
    let intake = median(intakeTimes)
    let rate = Double(files.count) / intake
    let steady = Double(files.count) / max(1e-6, intake - startup)
    print(String(format: "intake ingest:   median %.3f s for %d files = %.0f/s (%.2f ms/file); runs: %@",
                 intake, files.count, rate, intake * 1000 / Double(files.count), list(intakeTimes)))
    print(String(format: "                 start-up (one 3 KB file) %.3f s; without it %.0f/s", startup, steady))
    if !stockTimes.isEmpty {
        let stock = median(stockTimes)
        print(String(format: "stock pipeline:  median %.3f s for %d files = %.0f/s (%.2f ms/file); runs: %@",
                     stock, files.count, Double(files.count) / stock, stock * 1000 / Double(files.count), list(stockTimes)))
        print(String(format: "ratio: intake is %.1fx the stock pipeline's throughput", stock / intake))
    }
    floor.report(cores: cores)
    let ceiling = floor.envelopesPerSecond(cores: cores)
    print(String(format: "intake ingest reaches %.1f%% of the primitive floor on %d cores (%.1f%% without start-up)",
                 100 * rate / ceiling, cores, 100 * steady / ceiling))
}
