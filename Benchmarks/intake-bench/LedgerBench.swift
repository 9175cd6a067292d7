import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

/// `intake-bench ledger`: for each size in `events`, builds a home whose ledger holds that
/// many events (`batch` per transaction, each with a signed checkpoint), then measures
/// `intake verify` on it against the SHA-256 lower bound for the bytes it must hash (from
/// `openssl speed -evp sha256`), and the time to produce and to verify one inclusion proof.
func runLedgerBench(_ options: Options, bench: Bench) throws {
    // What `intake verify` costs whatever the ledger's size: starting, opening the home, and
    // the audit of a new home (a handful of events).
    let empty = HomeLayout(root: bench.path("ledger-home-empty"))
    _ = try HomeInitializer.create(empty, partnership: "Bench Partnership", origin: "bench.example/intake", keyKind: .ec,
                                   now: SystemClock.now())
    let fixed = median(try (0..<5).map { _ in try bench.run(bench.intake, ["verify", "--home", empty.root]).seconds })
    print(String(format: "ledger: intake verify of a new home (the fixed cost) median %.3f s", fixed))
    for events in options.events {
        try runLedgerBench(events: events, batch: options.batch, runs: options.runs, fixed: fixed, keep: options.keep, bench: bench)
    }
}

private func runLedgerBench(events: Int, batch: Int, runs: Int, fixed: Double, keep: Bool, bench: Bench) throws {
    let layout = HomeLayout(root: bench.path("ledger-home-\(events)"))
    _ = try HomeInitializer.create(layout, partnership: "Bench Partnership", origin: "bench.example/intake", keyKind: .ec,
                                   now: SystemClock.now())
    let home = try Home(layout)
    print("ledger: appending \(events) events, \(batch) per transaction …")
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
    let speed = try PrimitiveFloor.evpRate("sha256", bytes: averageLeaf, bench: bench)
    let bound = Double(hashedBytes) / speed
    print(String(format: "SHA-256 lower bound: %.1f MB hashed (%d leaves of ~%d bytes, %d nodes) at %.0f MB/s (openssl speed, %d-byte blocks) = %.3f s",
                 Double(hashedBytes) / 1e6, events, averageLeaf, storedNodes, speed / 1e6, averageLeaf, bound))

    var times: [Double] = []
    for _ in 0..<runs {
        let result = try bench.run(bench.intake, ["verify", "--home", layout.root])
        guard result.status == 0 else { fatalError("intake verify failed on the generated ledger (status \(result.status))") }
        times.append(result.seconds)
    }
    let verify = median(times)
    print(String(format: "intake verify of %d events: median %.3f s (runs: %@) = %.1fx the SHA-256 bound; without the fixed cost %.3f s = %.1fx",
                 events, verify, list(times), verify / bound, verify - fixed, (verify - fixed) / bound))

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
                 size, median(produce), median(check)))
    if !keep { try? FileManager.default.removeItem(atPath: layout.root) }
}
