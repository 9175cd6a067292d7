import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

/// `intake-bench ledger [--events N] [--batch B] [--runs R] [--keep 1]`: builds a home whose
/// ledger holds N events (B per transaction, each with a signed checkpoint), then measures
/// `intake verify` on it against the SHA-256 lower bound for the bytes it must hash (from
/// `openssl speed -evp sha256`), and the time to produce and to verify one inclusion proof.
func runLedgerBench(_ arguments: [String], intakeBinary: String, work: URL) throws {
    var events = 1_000_000, batch = 1000, runs = 3
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        let value = iterator.next().flatMap(Int.init) ?? 0
        switch flag {
        case "--events": events = value
        case "--batch": batch = value
        case "--runs": runs = value
        case "--keep": break
        default: fatalError("unknown option \(flag)")
        }
    }
    let layout = HomeLayout(root: work.appendingPathComponent("ledger-home").path)
    _ = try HomeInitializer.create(layout, partnership: "Bench Partnership", origin: "bench.example/intake", keyKind: .ec,
                                   now: SystemClock.now())
    let home = try Home(layout)
    print("intake-bench ledger: appending \(events) events, \(batch) per transaction …")
    let start = DispatchTime.now()
    var leafBytes = 0
    var appended = 0
    while appended < events {
        let count = min(batch, events - appended)
        let now = SystemClock.now()
        let chunk = (0..<count).map { offset -> LedgerEvent in
            let index = appended + offset
            return LedgerEvent(.returnSuperseded, at: now, [
                "caseRef": .string("RR-2026-\(index % 1000)"), "agencyId": .string("agency-\(index % 12)"),
                "version": .int(index / 12 + 1), "supersededBy": .int(index / 12 + 2),
            ])
        }
        leafBytes += chunk.reduce(0) { $0 + $1.entry.count + 1 }
        try home.ledger.appendBulk(chunk, at: now)
        appended += count
    }
    let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let checkpoints = try home.ledger.signedCheckpoints().count
    print(String(format: "built in %.1f s: %d entries, %d checkpoints", buildSeconds, events, checkpoints))

    // The SHA-256 work verify cannot avoid: every leaf (0x00 || entry) and every stored node
    // (0x01 || left || right), at openssl's own speed for blocks of about that size.
    let storedNodes = events - events.nonzeroBitCount  // perfect subtrees above the leaves
    let hashedBytes = leafBytes + storedNodes * 65
    let averageLeaf = leafBytes / max(events, 1)
    let speed = try opensslSHA256Speed(blockSize: averageLeaf)
    let bound = Double(hashedBytes) / speed
    print(String(format: "SHA-256 lower bound: %.1f MB hashed (%d leaves of ~%d bytes, %d nodes) at %.0f MB/s (openssl speed, %d-byte blocks) = %.3f s",
                 Double(hashedBytes) / 1e6, events, averageLeaf, storedNodes, speed / 1e6, averageLeaf, bound))

    var times: [Double] = []
    for _ in 0..<runs {
        let result = try benchRun(intakeBinary, ["verify", "--home", layout.root])
        guard result.status == 0 else { fatalError("intake verify failed on the generated ledger (status \(result.status))") }
        times.append(result.seconds)
    }
    let verify = benchMedian(times)
    print(String(format: "intake verify: median %.3f s (runs: %@) = %.1fx the SHA-256 bound", verify,
                 times.map { String(format: "%.3f", $0) }.joined(separator: " "), verify / bound))

    // Inclusion proofs at this size: produce from the stored nodes, verify against the root.
    let size = try home.ledger.treeSize()
    let root = try home.ledger.rootHash(size: size)
    var produce: [Double] = [], check: [Double] = []
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<1000 {
        let index = Int.random(in: 0..<size, using: &generator)
        let leaf = MerkleHashing.leafHash(try home.ledger.entry(at: index)!)
        let t0 = DispatchTime.now()
        let proof = try home.ledger.inclusionProof(index: index, size: size)
        let t1 = DispatchTime.now()
        let ok = MerkleVerifier.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root)
        let t2 = DispatchTime.now()
        guard ok else { fatalError("an inclusion proof did not verify") }
        produce.append(Double(t1.uptimeNanoseconds - t0.uptimeNanoseconds) / 1e3)
        check.append(Double(t2.uptimeNanoseconds - t1.uptimeNanoseconds) / 1e3)
    }
    print(String(format: "inclusion proof at %d entries: produce median %.1f µs, verify median %.1f µs (1000 random indices)",
                 size, benchMedian(produce), benchMedian(check)))
}

/// openssl's SHA-256 throughput in bytes per second for blocks of about `blockSize` bytes.
func opensslSHA256Speed(blockSize: Int) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = ["speed", "-seconds", "2", "-bytes", "\(max(16, blockSize))", "-evp", "sha256"]
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("speed-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let text = try String(contentsOf: output, encoding: .utf8)
    // The last line: "sha256   123456.78k" (thousands of bytes per second).
    guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("sha256") }),
          let figure = line.split(separator: " ").last, figure.hasSuffix("k"), let value = Double(figure.dropLast())
    else { fatalError("cannot read openssl speed output") }
    return value * 1000
}
