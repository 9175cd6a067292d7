import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

/// `intake-bench startup`: `intake serve` started on a home with `waiting` envelopes already
/// in drop/new (a daemon restarted after an outage, or a bulk upload): the time until it
/// answers `/healthz` (ready; systemd's READY=1 comes at the same point), the time until
/// drop/new is empty and every input is recorded, and the daemon's peak RSS.
func runStartupBench(_ options: Options, bench: Bench, fixture: Fixture) throws {
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
