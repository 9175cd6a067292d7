import Foundation
import IntakeCore
import IntakeDaemon

/// `intake-bench memory`: the peak RSS of `intake ingest` taking one envelope of each size,
/// against the envelope's size, and against the same process taking a 3 KB envelope (what
/// the process costs whatever it takes in).
func runMemoryBench(_ options: Options, bench: Bench, fixture: Fixture) throws {
    let limit = try Home(fixture.template, readOnly: true).settings.policy.maxEnvelopeBytes
    print("memory: peak RSS of `intake ingest` of one envelope; max_envelope_bytes = \(limit)")
    func measure(_ bytes: Int, label: String) throws -> (size: Int, peak: Int, seconds: Double) {
        let file = bench.path("memory-\(label).p7m")
        var envelope = try fixture.sealedReturn(index: bytes, envelopeBytes: bytes)
        // The largest accepted envelope: shave the attachment until the envelope fits exactly under the limit.
        var target = bytes
        while envelope.count > limit {
            target -= (envelope.count - limit) + 8
            envelope = try fixture.sealedReturn(index: bytes, envelopeBytes: target)
        }
        try Data(envelope).write(to: URL(fileURLWithPath: file))
        let size = envelope.count
        envelope = []
        var peaks: [Double] = [], times: [Double] = []
        for _ in 0..<max(1, min(options.runs, 3)) {
            let home = try fixture.freshHome(bench, "home-memory")
            let result = try bench.runMeasuringPeak(bench.intake, ["ingest", "--home", home, file])
            guard result.status == 0 else { Options.fail("intake ingest of the \(label) envelope failed (status \(result.status))") }
            peaks.append(Double(result.peak))
            times.append(result.seconds)
        }
        try? FileManager.default.removeItem(atPath: file)
        return (size, Int(median(peaks)), median(times))
    }
    let baseline = try measure(3000, label: "3KB")
    print(String(format: "  3 KB envelope: peak RSS %@ (the process itself), %.2f s", megabytes(baseline.peak), baseline.seconds))
    for mb in options.sizesMB {
        let bytes = mb == 0 ? limit : mb * 1_000_000
        let label = mb == 0 ? "max" : "\(mb)MB"
        let result = try measure(bytes, label: label)
        let size = result.size
        print(String(format: "  %@ envelope (%d bytes): peak RSS %@ = %.2fx the envelope; above the 3 KB run %@ = %.2fx; %.2f s",
                     label, size, megabytes(result.peak), Double(result.peak) / Double(size),
                     megabytes(result.peak - baseline.peak), Double(result.peak - baseline.peak) / Double(size), result.seconds))
    }
}
