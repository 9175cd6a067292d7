import Foundation
import Glibc
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger

// MARK: - Options

/// The benchmark's options, one parser for every mode (see `usage`).
struct Options {
    var mode = "ingest"
    var files = 500
    var size = 200_000
    var runs = 5
    var stockRuns = 3
    /// Envelope sizes for the memory mode, in MB; 0 stands for the largest accepted envelope.
    var sizesMB = [1, 50, 0]
    var clients = [1, 8, 32]
    var flood = 10_000
    var events = [10_000, 100_000, 1_000_000]
    var batch = 1000
    var waiting = 10_000
    var waitingSize = 3000
    var overdue = 3000
    var compare = 300
    var keep = false

    static let modes = ["ingest", "memory", "socket", "startup", "ledger", "floor", "all"]

    static let usage = """
    intake-bench [MODE] [OPTIONS]: measures intake against the stock openssl pipeline and the OpenSSL
    primitive floor (docs/performance.md has the figures and what each mode does).

      ingest   (default) `intake ingest` of FILES distinct envelopes of ~SIZE bytes: throughput, the stock
               pipeline (openssl cms -decrypt | openssl cms -verify, sha256sum, sqlite3 per file), and the
               primitive floor on every core
      memory   peak RSS of `intake ingest` of one envelope of each size in --sizes-mb (0 = the largest accepted)
      socket   `intake serve`: accepted submissions/s and p50/p99 latency with each client count in --clients,
               then a flood of --flood malformed requests (peak RSS, default and lifted limits)
      startup  `intake serve` started with --waiting envelopes of ~--waiting-size bytes in drop/new: time to
               ready (/healthz 200) and to drained; started on --overdue open cases whose every deadline has
               passed: time to ready and the alert lines; and --compare envelopes drained from drop/new
               against `intake ingest` of the same files
      ledger   `intake verify` on ledgers of each size in --events, against the SHA-256 bound; inclusion proofs
      floor    only the primitive floor for envelopes of ~SIZE bytes
      all      every mode with its defaults (about half an hour on 2 cores)

    Options (lists are comma-separated):
      --files N (500)  --size BYTES (200000)  --runs N (5)  --stock-runs N (3)  --sizes-mb 1,50,0
      --clients 1,8,32  --flood N (10000)  --events 10000,100000,1000000  --batch N (1000)
      --waiting N (10000)  --waiting-size BYTES (3000)  --overdue N (3000)  --compare N (300)
      --keep (keep the working directory)

    Build first: swift build -c release; then swift run -c release intake-bench [MODE] [OPTIONS]
    """

    init(_ arguments: [String]) {
        var arguments = arguments[...]
        if let first = arguments.first, !first.hasPrefix("-") {
            guard Self.modes.contains(first) else { Self.fail("unknown mode \(first)") }
            mode = first
            arguments = arguments.dropFirst()
        }
        func list(_ text: String?) -> [Int] {
            guard let text, case let values = text.split(separator: ",").compactMap({ Int($0) }), !values.isEmpty else { Self.fail("a list of numbers expected") }
            return values
        }
        func number(_ text: String?) -> Int { list(text)[0] }
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--files": files = number(iterator.next())
            case "--size": size = number(iterator.next())
            case "--runs": runs = max(1, number(iterator.next()))
            case "--stock-runs": stockRuns = number(iterator.next())
            case "--sizes-mb": sizesMB = list(iterator.next())
            case "--clients": clients = list(iterator.next())
            case "--flood": flood = number(iterator.next())
            case "--events": events = list(iterator.next())
            case "--batch": batch = number(iterator.next())
            case "--waiting": waiting = number(iterator.next())
            case "--waiting-size": waitingSize = number(iterator.next())
            case "--overdue": overdue = number(iterator.next())
            case "--compare": compare = number(iterator.next())
            case "--keep": keep = true
            case "-h", "--help": print(Self.usage); exit(0)
            default: Self.fail("unknown option \(flag)")
            }
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("intake-bench: \(message)\n\n\(usage)\n".utf8))
        exit(64)
    }
}

// MARK: - Processes and statistics

/// The working directory, the intake binary beside this one, and helpers to run things.
struct Bench {
    let work: URL
    let intake: String

    func path(_ name: String) -> String { work.appendingPathComponent(name).path }

    /// Runs `executable` to completion (output discarded); its status and wall time.
    @discardableResult
    func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = DispatchTime.now()
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, seconds(since: start))
    }

    /// Runs `executable` under GNU time: its status, wall time and peak RSS in bytes. (A
    /// child's ru_maxrss seen from this large process would include this process's pages.)
    func runMeasuringPeak(_ executable: String, _ arguments: [String]) throws -> (status: Int32, seconds: Double, peak: Int) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
            Options.fail("peak memory needs GNU time (apt-get install time)")
        }
        let report = path("time-\(UUID().uuidString.prefix(8))")
        let result = try run("/usr/bin/time", ["-f", "%M", "-o", report, executable] + arguments)
        let kib = Int(try String(contentsOfFile: report, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (result.status, result.seconds, kib * 1024)
    }

    /// Runs a command and returns what it printed on standard output.
    func output(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let file = path("out-\(UUID().uuidString.prefix(8))")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: file) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return try String(contentsOfFile: file, encoding: .utf8)
    }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The value below which `fraction` of `values` lie (nearest rank).
func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))]
}

func list(_ values: [Double], _ format: String = "%.3f") -> String {
    values.map { String(format: format, $0) }.joined(separator: " ")
}

func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }

func fileSize(_ path: String) -> Int {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
}

// MARK: - A template home: one agency CA, one registered agency, one open case

/// A home made once and copied for every run, and the agency's keys to seal returns with.
struct Fixture {
    let template: HomeLayout
    let agency: Certificate
    let agencyKey: PrivateKey
    let intakeCertificate: Certificate
    static let caseRef = "RR-2026-001"

    /// The `number`th bench case (0 is `caseRef`).
    static func caseRef(_ number: Int) -> String { String(format: "RR-2026-%03d", number + 1) }

    /// Opens the bench cases 1..<`count` in the home at `root` (case 0 is the template's).
    func openCases(_ count: Int, in root: String) throws {
        let home = try Home(HomeLayout(root: root))
        let now = SystemClock.now()
        for number in 1..<max(count, 1) {
            try home.ledger.openCase(ref: Self.caseRef(number), referred: now.londonDate, agencies: ["police"], at: now)
        }
    }

    init(bench: Bench) throws {
        let now = SystemClock.now()
        template = HomeLayout(root: bench.path("home-template"))
        _ = try HomeInitializer.create(template, partnership: "Bench Partnership", origin: "bench.example/intake", keyKind: .ec, now: now)
        let caKey = try PrivateKey.generate(.ecP256)
        let ca = try CertificateIssuer.issue(subject: .init(commonName: "Bench CA"), key: caKey, profile: .agencyCA,
                                             notBefore: now.secondsSinceEpoch - 3600, days: 30)
        try Data(ca.pem()).write(to: URL(fileURLWithPath: "\(template.trust)/ca.pem"))
        agencyKey = try PrivateKey.generate(.ecP256)
        agency = try CertificateIssuer.issue(subject: .init(commonName: "Bench Police"), key: agencyKey, profile: .agencySigning(email: nil),
                                             issuer: (ca, caKey), notBefore: now.secondsSinceEpoch - 3600, days: 30)
        let home = try Home(template)
        try home.ledger.registerAgency(id: "police", name: "Bench Police", certificatePEM: String(decoding: agency.pem(), as: UTF8.self),
                                       fingerprint: agency.fingerprint, at: now)
        try home.ledger.openCase(ref: Self.caseRef, referred: now.londonDate, agencies: ["police"], at: now)
        intakeCertificate = try Certificate(pem: [UInt8](Data(contentsOf: URL(fileURLWithPath: template.intakeCertificate))))
    }

    /// A complete return whose attachment makes the envelope about `envelopeBytes` long,
    /// signed and sealed the way agencies do (ECDSA P-256 signer, AES-256-GCM to the EC
    /// intake key). Each `index` gives different content.
    ///
    /// With `cases` above 1, return `index` is for case `caseRef(index % cases)`: an agency's
    /// versions must arrive in the order they were signed (an earlier one after a later one
    /// is refused), so the socket benchmark gives each client cases of its own.
    func sealedReturn(index: Int, envelopeBytes: Int, cases: Int = 1) throws -> [UInt8] {
        let attachmentBytes = max(16, (envelopeBytes - 2600) / 4 * 3)
        var generator = SystemRandomNumberGenerator()
        var data = [UInt8](repeating: 0, count: attachmentBytes)
        for offset in stride(from: 0, to: data.count, by: 8) {
            let word = generator.next()
            for byte in 0..<min(8, data.count - offset) { data[offset + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte)) }
        }
        let document: JSONValue = .object([
            "schema": .string("scoping-return/v1"), "caseRef": .string(Self.caseRef(index % max(cases, 1))), "agencyId": .string("police"),
            "signOff": .object(["name": .string("Bench Manager"), "role": .string("Head"), "date": .string("2026-11-24")]),
            "involvement": .object(["status": .string("involved"), "summary": .string("Bench summary \(index).")]),
            "chronology": .array([.object(["date": .string("2026-11-01"), "event": .string("Bench event \(index).")])]),
            "recordsSecured": .object(["secured": .bool(true), "securedOn": .string("2026-11-24")]),
            "attachments": .array([.object(["name": .string("bench-\(index).bin"), "mediaType": .string("application/octet-stream"),
                                            "sha256": .string(SHA256.hex(data)), "dataBase64": .string(Base64.encode(data))])]),
        ])
        return try EnvelopeSealer.seal(CanonicalJSON.encode(document), signer: agency, key: agencyKey, to: [intakeCertificate])
    }

    /// Seals `count` distinct returns of about `bytes` into `directory`; their paths.
    func sealFiles(_ count: Int, bytes: Int, into directory: String, cases: Int = 1) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try (0..<count).map { index in
            let file = "\(directory)/\(String(format: "%05d", index)).p7m"
            try Data(sealedReturn(index: index, envelopeBytes: bytes, cases: cases)).write(to: URL(fileURLWithPath: file))
            return file
        }
    }

    /// A fresh copy of the template home.
    func freshHome(_ bench: Bench, _ name: String) throws -> String {
        let home = bench.path(name)
        try? FileManager.default.removeItem(atPath: home)
        try FileManager.default.copyItem(atPath: template.root, toPath: home)
        return home
    }
}
