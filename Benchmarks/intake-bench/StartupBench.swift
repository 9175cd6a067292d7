import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

/// `intake-bench startup`: `intake serve` started on a home with `waiting` envelopes already
/// in drop/new (a daemon restarted after an outage, or a bulk upload): the time until it
/// answers `/healthz` (ready; systemd's READY=1 comes at the same point), the time until
/// drop/new is empty and every input is recorded, and the daemon's peak RSS.
func runStartupBench(_ options: Options, bench: Bench, fixture: Fixture) throws {
    if options.waiting > 0 { try runWaitingStartup(options, bench: bench, fixture: fixture) }
    if options.overdue > 0 { try runOverdueStartup(options, bench: bench, fixture: fixture) }
    if options.compare > 0 { try runDropAgainstIngest(options, bench: bench, fixture: fixture) }
}

private func runWaitingStartup(_ options: Options, bench: Bench, fixture: Fixture) throws {
    print("startup: \(options.waiting) envelopes of ~\(options.waitingSize / 1000) KB waiting in drop/new")
    let files = try fixture.sealFiles(options.waiting, bytes: options.waitingSize, into: bench.path("inputs-waiting"))
    var ready: [Double] = [], drained: [Double] = [], peaks: [Double] = []
    for run in 0..<max(1, min(options.runs, 3)) {
        let home = try fixture.freshHome(bench, "home-startup-\(run)")
        let layout = HomeLayout(root: home)
        for file in files {
            try FileManager.default.copyItem(atPath: file, toPath: "\(layout.dropNew)/\((file as NSString).lastPathComponent)")
        }
        let before = try Home(layout, readOnly: true).ledger.treeSize()
        let start = DispatchTime.now()
        let daemon = try Daemon(intakeBinary: bench.intake, home: home, readyTimeout: 600)
        ready.append(daemon.readySeconds)
        while ((try? FileManager.default.contentsOfDirectory(atPath: layout.dropNew).count) ?? 1) > 0 {
            guard seconds(since: start) < 3600 else { Options.fail("the backlog was not drained within an hour") }
            usleep(5_000)
        }
        drained.append(seconds(since: start))
        peaks.append(Double(daemon.peakRSS()))
        daemon.stop()
        let recorded = try Home(layout, readOnly: true).ledger.treeSize() - before
        guard recorded >= files.count else { Options.fail("only \(recorded) of \(files.count) inputs were recorded") }
        try? FileManager.default.removeItem(atPath: home)
    }
    print(String(format: "ready (/healthz 200) after median %.3f s (runs %@); drained after %.2f s (runs %@) = %.0f inputs/s; peak RSS %@",
                 median(ready), list(ready), median(drained), list(drained, "%.2f"), Double(files.count) / median(drained),
                 megabytes(Int(median(peaks)))))
}

/// `intake serve` started on a home with `overdue` open cases referred two years ago, each
/// expecting one agency that never answered: every return, meeting and Panel deadline is
/// long past (a home restored after a long stop, or first started after an import). The
/// time until it is ready, until the deadline sweep has said what it has to say, and how
/// many alert lines it wrote (the goal: ready in under a second, at most one line per case).
private func runOverdueStartup(_ options: Options, bench: Bench, fixture: Fixture) throws {
    print("startup: \(options.overdue) open cases with every deadline passed")
    let template = try fixture.freshHome(bench, "home-overdue-template")
    let referred = LocalDate(year: 2024, month: 11, day: 4)!
    do {
        let home = try Home(HomeLayout(root: template))
        for index in 0..<options.overdue {
            try home.ledger.openCase(ref: String(format: "RR-2024-%05d", index), referred: referred, agencies: ["police"], at: SystemClock.now())
        }
    }
    var ready: [Double] = [], swept: [Double] = [], lines: [Double] = []
    for run in 0..<max(1, min(options.runs, 3)) {
        let home = bench.path("home-overdue-\(run)")
        try? FileManager.default.removeItem(atPath: home)
        try FileManager.default.copyItem(atPath: template, toPath: home)
        let log = bench.path("overdue-\(run).log")
        let start = DispatchTime.now()
        let daemon = try Daemon(intakeBinary: bench.intake, home: home, readyTimeout: 600, log: log)
        ready.append(daemon.readySeconds)
        // The sweep is done when every case's line is in (or nothing more comes for 2 s).
        var count = 0, last = DispatchTime.now()
        while seconds(since: start) < 600 {
            let now = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "msg=deadline ").count - 1
            if now != count { count = now; last = DispatchTime.now() }
            if count >= options.overdue || seconds(since: last) > 2 { break }
            usleep(10_000)
        }
        swept.append(seconds(since: start) - (count >= options.overdue ? 0 : 2))
        lines.append(Double(count))
        daemon.stop()
        try? FileManager.default.removeItem(atPath: home)
    }
    print(String(format: "ready after median %.3f s (runs %@); alerts recorded and announced after %.2f s (runs %@); %.0f deadline lines for %d cases",
                 median(ready), list(ready), median(swept), list(swept, "%.2f"), median(lines), options.overdue))
}

/// The same `compare` sealed returns drained by `intake serve` from drop/new (the start-up
/// scan, with receipts) and taken by `intake ingest` on a fresh home each run.
private func runDropAgainstIngest(_ options: Options, bench: Bench, fixture: Fixture) throws {
    print("drop directory against ingest: \(options.compare) envelopes of ~\(options.waitingSize / 1000) KB")
    let files = try fixture.sealFiles(options.compare, bytes: options.waitingSize, into: bench.path("inputs-compare"))
    var drained: [Double] = [], ingested: [Double] = []
    for run in 0..<max(1, min(options.runs, 5)) {
        let dropHome = try fixture.freshHome(bench, "home-compare-drop-\(run)")
        let layout = HomeLayout(root: dropHome)
        for file in files {
            try FileManager.default.copyItem(atPath: file, toPath: "\(layout.dropNew)/\((file as NSString).lastPathComponent)")
        }
        // Uploads arrive over time and the kernel writes them back meanwhile; the copy just made
        // is written back now, so that serve does not pay for it (ingest reads files long written).
        sync()
        let ingestHome = try fixture.freshHome(bench, "home-compare-ingest-\(run)")
        sync()
        let start = DispatchTime.now()
        let daemon = try Daemon(intakeBinary: bench.intake, home: dropHome, readyTimeout: 600)
        while ((try? FileManager.default.contentsOfDirectory(atPath: layout.dropNew).count) ?? 1) > 0 {
            guard seconds(since: start) < 3600 else { Options.fail("the drop directory was not drained within an hour") }
            usleep(1_000)
        }
        drained.append(seconds(since: start))
        daemon.stop()
        let (status, elapsed) = try bench.run(bench.intake, ["ingest", "--home", ingestHome] + files)
        guard status == 0 else { Options.fail("intake ingest failed") }
        ingested.append(elapsed)
        try? FileManager.default.removeItem(atPath: dropHome)
        try? FileManager.default.removeItem(atPath: ingestHome)
    }
    print(String(format: "serve drained them in median %.3f s (runs %@), ingest took %.3f s (runs %@): serve/ingest = %.2f",
                 median(drained), list(drained), median(ingested), list(ingested), median(drained) / median(ingested)))
}
