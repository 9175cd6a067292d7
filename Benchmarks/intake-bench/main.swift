// intake-bench: measures intake against the stock openssl pipeline an admin would script and
// against the OpenSSL primitive floor (`intake-bench --help`; docs/performance.md holds the
// figures and the command for each).
import Foundation
import IntakeDaemon

let options = Options(Array(CommandLine.arguments.dropFirst()))
let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let intakeBinary = binDirectory.appendingPathComponent("intake").path
guard FileManager.default.isExecutableFile(atPath: intakeBinary) else {
    Options.fail("no intake executable beside intake-bench at \(intakeBinary): run `swift build -c release` first")
}
let work = FileManager.default.temporaryDirectory.appendingPathComponent("intake-bench-\(UUID().uuidString.prefix(8))")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
let bench = Bench(work: work, intake: intakeBinary)
print("intake-bench \(options.mode) on \(ProcessInfo.processInfo.activeProcessorCount) cores; working in \(work.path)")

// One home template, agency and case for every mode of the run (`all` runs several).
nonisolated(unsafe) var sharedFixture: Fixture?

func runMode(_ mode: String) throws {
    switch mode {
    case "ledger": try runLedgerBench(options, bench: bench)
    case "floor": try PrimitiveFloor(envelopeBytes: options.size, bench: bench).report(cores: ProcessInfo.processInfo.activeProcessorCount)
    default:
        let fixture = try sharedFixture ?? Fixture(bench: bench)
        sharedFixture = fixture
        switch mode {
        case "ingest": try runIngestBench(options, bench: bench, fixture: fixture)
        case "memory": try runMemoryBench(options, bench: bench, fixture: fixture)
        case "socket": try runSocketBench(options, bench: bench, fixture: fixture)
        case "startup": try runStartupBench(options, bench: bench, fixture: fixture)
        default: Options.fail("unknown mode \(mode)")
        }
    }
}

if options.mode == "all" {
    for mode in ["ingest", "memory", "socket", "startup", "ledger"] {
        try runMode(mode)
        fflush(nil)  // what each mode measured reaches the log even if a later one fails
    }
} else {
    try runMode(options.mode)
}
if options.keep { print("kept \(work.path)") } else { try? FileManager.default.removeItem(at: work) }
