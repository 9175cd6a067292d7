// intake-bench (--keep 1 keeps its working directory): measures `intake ingest` against the stock pipeline an admin would script
// (openssl cms -decrypt | openssl cms -verify, sha256sum, one sqlite3 insert per file) on
// the same files, and the peak memory of ingesting one large envelope.
//
//   swift build -c release && swift run -c release intake-bench [--files 300] [--size 200000] [--runs 5] [--big-mb 50]
//   swift build -c release && swift run -c release intake-bench ledger [--events 1000000] [--batch 1000] [--runs 3]
//   swift build -c release && swift run -c release intake-bench socket [--files 300] [--size 200000] [--clients 8] [--flood 10000]
//
// Prints medians and the ratio. docs/performance.md records the figures.
import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger

struct Options {
    var files = 300
    var size = 200_000
    var runs = 5
    var stockRuns = 3
    var bigMB = 50
    var keep = 0
    var socket = false
    var clients = 8
    var flood = 10_000

    init(_ arguments: [String]) {
        if arguments.dropFirst().first == "ledger" {  // the ledger mode reads its own options
            keep = arguments.contains("--keep") ? 1 : 0
            return
        }
        var arguments = Array(arguments.dropFirst())
        if arguments.first == "socket" {
            socket = true
            arguments.removeFirst()
        }
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next().flatMap(Int.init) ?? 0
            switch flag {
            case "--files": files = value
            case "--size": size = value
            case "--runs": runs = value
            case "--stock-runs": stockRuns = value
            case "--big-mb": bigMB = value
            case "--keep": keep = value
            case "--clients": clients = value
            case "--flood": flood = value
            default: fatalError("unknown option \(flag); see the header of Benchmarks/intake-bench/main.swift")
            }
        }
    }
}

let options = Options(CommandLine.arguments)
let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let intakeBinary = binDirectory.appendingPathComponent("intake").path
guard FileManager.default.isExecutableFile(atPath: intakeBinary) else {
    fatalError("no intake executable beside intake-bench at \(intakeBinary): run `swift build -c release` first")
}

let work = FileManager.default.temporaryDirectory.appendingPathComponent("intake-bench-\(UUID().uuidString.prefix(8))")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer {
    if options.keep == 0 { try? FileManager.default.removeItem(at: work) } else { print("kept \(work.path)") }
}
func path(_ name: String) -> String { work.appendingPathComponent(name).path }

@discardableResult
func benchRun(_ executable: String, _ arguments: [String]) throws -> (status: Int32, seconds: Double) {
    try run(executable, arguments)
}

func benchMedian(_ values: [Double]) -> Double { median(values) }

@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, seconds: Double) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let start = DispatchTime.now()
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

if CommandLine.arguments.dropFirst().first == "ledger" {
    try runLedgerBench(Array(CommandLine.arguments.dropFirst(2)), intakeBinary: intakeBinary, work: work)
    if options.keep == 0 { try? FileManager.default.removeItem(at: work) } else { print("kept \(work.path)") }
    exit(0)
}

// MARK: - A template home, an agency and a case

let now = SystemClock.now()
let template = HomeLayout(root: path("home-template"))
_ = try HomeInitializer.create(template, partnership: "Bench Partnership", origin: "bench.example/intake", keyKind: .ec, now: now)
let caKey = try PrivateKey.generate(.ecP256)
let ca = try CertificateIssuer.issue(subject: .init(commonName: "Bench CA"), key: caKey, profile: .agencyCA,
                                     notBefore: now.secondsSinceEpoch - 3600, days: 30)
try Data(ca.pem()).write(to: URL(fileURLWithPath: "\(template.trust)/ca.pem"))
try Data(ca.pem()).write(to: URL(fileURLWithPath: path("ca.crt")))
let agencyKey = try PrivateKey.generate(.ecP256)
let agency = try CertificateIssuer.issue(subject: .init(commonName: "Bench Police"), key: agencyKey, profile: .agencySigning(email: nil),
                                         issuer: (ca, caKey), notBefore: now.secondsSinceEpoch - 3600, days: 30)
do {
    let home = try Home(template)
    try home.ledger.registerAgency(id: "police", name: "Bench Police", certificatePEM: String(decoding: agency.pem(), as: UTF8.self),
                                   fingerprint: agency.fingerprint, at: now)
    try home.ledger.openCase(ref: "RR-2026-001", referred: now.londonDate, agencies: ["police"], at: now)
}
let intakeCertificate = try Certificate(pem: [UInt8](Data(contentsOf: URL(fileURLWithPath: template.intakeCertificate))))

// MARK: - The envelopes: distinct returns of about `size` bytes, sealed as agencies do

func sealedReturn(index: Int, attachmentBytes: Int) throws -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    let data = (0..<attachmentBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let document: JSONValue = .object([
        "schema": .string("scoping-return/v1"), "caseRef": .string("RR-2026-001"), "agencyId": .string("police"),
        "signOff": .object(["name": .string("Bench Manager"), "role": .string("Head"), "date": .string("2026-11-24")]),
        "involvement": .object(["status": .string("involved"), "summary": .string("Bench summary \(index).")]),
        "chronology": .array([.object(["date": .string("2026-11-01"), "event": .string("Bench event \(index).")])]),
        "recordsSecured": .object(["secured": .bool(true), "securedOn": .string("2026-11-24")]),
        "attachments": .array([.object(["name": .string("bench-\(index).bin"), "mediaType": .string("application/octet-stream"),
                                        "sha256": .string(SHA256.hex(data)), "dataBase64": .string(Base64.encode(data))])]),
    ])
    return try EnvelopeSealer.seal(CanonicalJSON.encode(document), signer: agency, key: agencyKey, to: [intakeCertificate])
}

print("intake-bench: \(options.files) envelopes of ~\(options.size / 1000) KB; \(options.runs) runs of intake, \(options.stockRuns) of the stock pipeline")
let inputs = path("inputs")
try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
var files: [String] = []
for index in 0..<options.files {
    let file = "\(inputs)/\(String(format: "%04d", index)).p7m"
    try Data(sealedReturn(index: index, attachmentBytes: options.size * 3 / 4 - 600)).write(to: URL(fileURLWithPath: file))
    files.append(file)
}
let averageSize = files.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }.reduce(0, +) / files.count
print("made \(files.count) envelopes, \(averageSize) bytes on average")

func freshHome(_ name: String) throws -> String {
    let home = path(name)
    try? FileManager.default.removeItem(atPath: home)
    try FileManager.default.copyItem(atPath: template.root, toPath: home)
    return home
}

if options.socket {
    try runSocketBench(files: files, clients: options.clients, flood: options.flood, intakeBinary: intakeBinary, freshHome: freshHome)
    if options.keep == 0 { try? FileManager.default.removeItem(at: work) } else { print("kept \(work.path)") }
    exit(0)
}

// MARK: - intake ingest

var intakeTimes: [Double] = []
for runIndex in 0..<options.runs {
    let home = try freshHome("home-intake-\(runIndex)")
    let result = try run(intakeBinary, ["ingest", "--home", home] + files)
    guard result.status == 0 else { fatalError("intake ingest failed (status \(result.status))") }
    intakeTimes.append(result.seconds)
}

// MARK: - The stock pipeline an admin would script

let script = path("stock.sh")
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
for runIndex in 0..<options.stockRuns {
    let home = try freshHome("home-stock-\(runIndex)")
    let result = try run("/bin/bash", [script, home] + files)
    guard result.status == 0 else { fatalError("the stock pipeline failed (status \(result.status))") }
    stockTimes.append(result.seconds)
}

let intakeMedian = median(intakeTimes), stockMedian = median(stockTimes)
print(String(format: "intake ingest:   median %.3f s for %d files (%.2f ms/file); runs: %@", intakeMedian, files.count,
             intakeMedian * 1000 / Double(files.count), intakeTimes.map { String(format: "%.3f", $0) }.joined(separator: " ")))
print(String(format: "stock pipeline:  median %.3f s for %d files (%.2f ms/file); runs: %@", stockMedian, files.count,
             stockMedian * 1000 / Double(files.count), stockTimes.map { String(format: "%.3f", $0) }.joined(separator: " ")))
print(String(format: "ratio: intake is %.1fx faster than the stock pipeline", stockMedian / intakeMedian))

// MARK: - Peak memory for one large envelope

if options.bigMB > 0 {
    let big = path("big.p7m")
    try Data(sealedReturn(index: 99_999, attachmentBytes: options.bigMB * 1_000_000 * 3 / 4)).write(to: URL(fileURLWithPath: big))
    let bigSize = (try FileManager.default.attributesOfItem(atPath: big)[.size] as? Int) ?? 0
    let home = try freshHome("home-big")
    // GNU time reports its child's peak RSS. Measured from this (large) process directly, a
    // child's ru_maxrss would include this process's own pages (they are the child's until it
    // execs), so the figure comes through /usr/bin/time, whose own footprint is tiny.
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
        fatalError("the peak-memory figure needs GNU time (apt-get install time)")
    }
    let report = path("big.time")
    let result = try run("/usr/bin/time", ["-f", "%M", "-o", report, intakeBinary, "ingest", "--home", home, big])
    guard result.status == 0 else { fatalError("intake ingest of the large envelope failed (status \(result.status))") }
    let peakKiB = Int(try String(contentsOfFile: report, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    let peak = peakKiB * 1024
    print(String(format: "large envelope:  %.1f MB ingested in %.2f s; peak RSS %.1f MB = %.2fx the envelope",
                 Double(bigSize) / 1e6, result.seconds, Double(peak) / 1e6, Double(peak) / Double(bigSize)))
}
