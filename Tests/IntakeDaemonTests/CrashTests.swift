import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// Kills a child `intake serve` with SIGKILL again and again during a burst of inputs, then
/// lets a last one finish, and checks exactly-once: every input recorded once, kept once,
/// gone from the drop directory, no temporary files left, and the Merkle log intact.
@Suite struct CrashTests {
    let pki = sharedPKI

    static var intakeBinary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("intake").path
    }

    func serve(_ test: TestHome, log: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.intakeBinary)
        process.arguments = ["serve", "--home", test.layout.root]
        if let log {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        } else {
            process.standardError = FileHandle.nullDevice
        }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test(.timeLimit(.minutes(2)))
    func killNineDuringABurstLosesNothingAndDuplicatesNothing() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.intakeBinary), "build the intake executable first")
        let test = try TestHome(pki: pki)
        let intake = test.home.intakeCertificate
        var envelopes: [[UInt8]] = []
        for index in 0..<36 {
            if index % 6 == 5 {
                envelopes.append(Array("not an envelope \(index)".utf8))
                continue
            }
            let agency = TestHome.agencies[index % TestHome.agencies.count]
            envelopes.append(try EnvelopeSealer.seal(TestHome.returnJSON(agency: agency, note: "burst \(index)"),
                                                     signer: pki.certificate(agency), key: pki.key(agency), to: [intake]))
        }
        var generator = SystemRandomNumberGenerator()
        for batch in stride(from: 0, to: envelopes.count, by: 6) {
            for envelope in envelopes[batch..<(batch + 6)] { try test.drop(envelope) }
            let child = try serve(test)
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...250, using: &generator)))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        // A last daemon runs to the end: it must finish everything and stop cleanly on SIGTERM.
        let log = "\(test.layout.root)/serve.log"
        let last = try serve(test, log: log)
        let deadline = Date().addingTimeInterval(60)
        while (!test.files(in: test.layout.dropNew).isEmpty || !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("msg=ready"))
                && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(last.processIdentifier, SIGTERM)
        last.waitUntilExit()
        #expect(last.terminationStatus == 0)
        #expect(test.files(in: test.layout.dropNew).isEmpty)

        // Exactly once: one submission event per input, by its envelope hash.
        let ledger = test.home.ledger
        let size = try ledger.treeSize()
        var leafHashes: [[UInt8]] = []
        for index in 0..<size {
            let entry = try #require(try ledger.entry(at: index))
            leafHashes.append(MerkleHashing.leafHash(entry))
            #expect(LedgerEvent.parse(entry: entry) != nil)
        }
        let events = try ExactlyOnce.submissionEvents(in: ledger)
        for envelope in envelopes {
            let sha = SHA256.hex(envelope)
            #expect(events[sha] == 1, "envelope \(sha.prefix(12)) recorded \(events[sha] ?? 0) times")
            #expect(ExactlyOnce.isKept(sha, in: test.layout))
        }
        #expect(events.count == envelopes.count)
        // The tree of stored nodes is the tree of the leaves, and the last checkpoint signs it.
        #expect(try ledger.rootHash(size: size) == MerkleTree.root(leafHashes: leafHashes))
        let checkpoint = try #require(try ledger.latestCheckpoint())
        #expect(checkpoint.size == size)
        #expect(try SignedNote.parse(checkpoint.note).isSigned(by: test.home.ledgerVerifierKey))
        // No temporary file survives a restart.
        for directory in [test.layout.store, test.layout.quarantine] {
            #expect(test.files(in: directory).allSatisfy { !$0.hasPrefix(".tmp-") })
        }
        #expect(try ledger.caseRecord(TestHome.caseRef)?.latest.count == TestHome.agencies.count)
    }
}
