import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite struct DropDirectoryTests {
    let pki = sharedPKI

    @Test func processesAndRemovesAnInput() throws {
        let test = try TestHome(pki: pki)
        let drop = try DropDirectory(pipeline: try test.pipeline())
        let relative = try test.drop(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police"))
        #expect(try drop.pending() == [relative])
        let outcome = try #require(try drop.process(relative))
        #expect(outcome.status == .accepted)
        #expect(try drop.pending().isEmpty)
        #expect(test.files(in: test.layout.dropNew).isEmpty)
    }

    @Test func agencyInboxesAndDotfiles() throws {
        let test = try TestHome(pki: pki)
        let drop = try DropDirectory(pipeline: try test.pipeline())
        try test.drop(test.cliSeal(TestHome.returnJSON(agency: "health"), agency: "health"), inbox: "health/new")
        try Data("partial".utf8).write(to: URL(fileURLWithPath: "\(test.layout.dropNew)/.writing.p7m"))
        try Data("in progress".utf8).write(to: URL(fileURLWithPath: "\(test.layout.dropTmp)/x.p7m"))
        let outcomes = drop.scan()
        #expect(outcomes.map(\.status) == [.accepted])
        #expect(test.files(in: test.layout.dropNew) == [".writing.p7m"])
        #expect(test.files(in: test.layout.dropTmp) == ["x.p7m"])
        #expect(try drop.process("new/.writing.p7m") == nil)
        #expect(try drop.process("tmp/x.p7m") == nil)
    }

    @Test func symlinkIsQuarantinedUnopenedAndItsTargetUntouched() throws {
        let test = try TestHome(pki: pki)
        let drop = try DropDirectory(pipeline: try test.pipeline())
        let target = "\(test.layout.root)/secret.txt"
        try Data("target bytes".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: "\(test.layout.dropNew)/link.p7m", withDestinationPath: target)
        let outcome = try #require(try drop.process("new/link.p7m"))
        #expect(outcome.reason == .notARegularFile)
        #expect(test.files(in: test.layout.dropNew).isEmpty)
        let moved = "\(test.layout.quarantine)/\(outcome.envelopeSha256).p7m"
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: moved)) == target)
        let record = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(test.layout.quarantine)/\(outcome.envelopeSha256).json"))))
        #expect(record["reason"]?.stringValue == "not-a-regular-file")
        #expect(record["originalName"]?.stringValue == "new/link.p7m")
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("target bytes".utf8))
    }

    /// An agency folder (or its inbox) replaced by a symlink is never followed: files it points
    /// to are neither read nor deleted.
    @Test(arguments: ["agency", "inbox"])
    func symlinkedFoldersAreNotFollowed(which: String) throws {
        let test = try TestHome(pki: pki)
        let drop = try DropDirectory(pipeline: try test.pipeline())
        let elsewhere = "\(test.layout.root)/elsewhere"
        try FileManager.default.createDirectory(atPath: "\(elsewhere)/new", withIntermediateDirectories: true)
        let victim = "\(elsewhere)/new/precious.p7m"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        if which == "agency" {
            try FileManager.default.createSymbolicLink(atPath: "\(test.layout.drop)/police", withDestinationPath: elsewhere)
        } else {
            try FileManager.default.createDirectory(atPath: "\(test.layout.drop)/police", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(test.layout.drop)/police/new", withDestinationPath: "\(elsewhere)/new")
        }
        #expect(try !drop.inboxes().contains("police/new"))
        #expect(drop.scan().isEmpty)
        #expect(try drop.process("police/new/precious.p7m") == nil)
        #expect(FileManager.default.fileExists(atPath: victim))
        #expect(try test.home.ledger.caseRecord(TestHome.caseRef)?.latest.isEmpty == true)
    }

    @Test func fifoIsQuarantinedWithoutBlocking() throws {
        let test = try TestHome(pki: pki)
        let drop = try DropDirectory(pipeline: try test.pipeline())
        #expect(mkfifo("\(test.layout.dropNew)/pipe.p7m", 0o600) == 0)
        let outcome = try #require(try drop.process("new/pipe.p7m"))
        #expect(outcome.reason == .notARegularFile)
        #expect(test.files(in: test.layout.dropNew).isEmpty)
    }

    @Test func tooLargeIsStreamedIntoQuarantine() throws {
        let test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 4096") }
        let drop = try DropDirectory(pipeline: try test.pipeline())
        let big = [UInt8](repeating: 0x41, count: 3 << 20)
        let relative = try test.drop(big)
        let outcome = try #require(try drop.process(relative))
        #expect(outcome.reason == .tooLarge)
        #expect(outcome.envelopeSha256 == SHA256.hex(big))
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(test.layout.quarantine)/\(outcome.envelopeSha256).p7m"))) == big)
    }

    /// A replay of an input already recorded (a crash after commit, before unlink) records
    /// nothing new; a new delivery of the same bytes is a new event (a duplicate).
    /// One scan, one group: the same envelope twice and the same junk twice under other names,
    /// their files written behind and placed together when the group commits. It records an
    /// acceptance and a duplicate, two rejections, and the receipt; each file is kept once,
    /// nothing is left waiting (no `.tmp-` file) and nothing else is kept.
    @Test func theSameBytesTwiceInOneGroupAreKeptOnce() throws {
        let test = try TestHome(pki: pki)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        let junk = Array("not an envelope".utf8)
        for (name, bytes) in [("a.p7m", envelope), ("b.p7m", envelope), ("c.p7m", junk), ("d.p7m", junk)] {
            try test.drop(bytes, name: name)
        }
        let outcomes = try DropDirectory(pipeline: test.pipeline()).scan()
        #expect(outcomes.map(\.status) == [.accepted, .duplicate, .rejected, .rejected])
        #expect(test.files(in: test.layout.dropNew).isEmpty)
        #expect(test.files(in: test.layout.store) == ["\(SHA256.hex(envelope)).p7m"])
        #expect(test.files(in: test.layout.quarantine).sorted() == ["\(SHA256.hex(junk)).json", "\(SHA256.hex(junk)).p7m"])
        #expect(test.files(in: "\(test.layout.receipts)/police") == ["\(SHA256.hex(envelope)).receipt"])
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }

    @Test func replayRecordsNothingTwice() throws {
        let test = try TestHome(pki: pki)
        let pipeline = try test.pipeline()
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        let relative = try test.drop(envelope, name: "one.p7m")
        let path = "\(test.layout.drop)/\(relative)"
        // Simulate the crash: record the input, but leave the file in place.
        let key = try #require(DropDirectory.inputKey(forFileAt: path, relative: relative, sha256: SHA256.hex(envelope)))
        let first = try pipeline.process(envelope, channel: "drop", originalName: relative, inputKey: key)
        let size = try test.home.ledger.treeSize()
        let replay = try #require(try DropDirectory(pipeline: pipeline).process(relative))
        #expect(!replay.isNew)
        #expect(replay.ledgerIndex == first.ledgerIndex)
        #expect(try test.home.ledger.treeSize() == size)
        #expect(test.files(in: test.layout.dropNew).isEmpty)
        // The same bytes delivered again as a new file: a duplicate, recorded.
        let again = try #require(try DropDirectory(pipeline: pipeline).process(try test.drop(envelope, name: "two.p7m")))
        #expect(again.status == .duplicate && again.isNew)
    }

    /// The service in a real ServiceGroup: the start-up scan takes what arrived while it was
    /// down, inotify reports the rest (including an agency inbox made after start), and a
    /// graceful shutdown returns.
    @Test(.timeLimit(.minutes(1)))
    func serviceWatchesTheDropDirectory() async throws {
        let test = try TestHome(pki: pki)
        try test.drop(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police"))  // before start
        let (outcomes, continuation) = AsyncStream.makeStream(of: Outcome.self)
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let logger = Logger(label: "test")
        let service = DropDirectoryService(drop: try DropDirectory(pipeline: try test.pipeline()), logger: logger,
                                           onReady: { readyContinuation.yield() },
                                           onOutcome: { _, outcome in continuation.yield(outcome) })
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        let running = Task { try await group.run() }
        var iterator = outcomes.makeAsyncIterator()
        var readyIterator = ready.makeAsyncIterator()
        #expect(await iterator.next()?.agencyId == "police")
        _ = await readyIterator.next()

        try test.drop(test.cliSeal(TestHome.returnJSON(agency: "health"), agency: "health"))
        #expect(await iterator.next()?.agencyId == "health")

        try FileManager.default.createDirectory(atPath: "\(test.layout.drop)/education/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(test.layout.drop)/education/new", withIntermediateDirectories: true)
        try await Task.sleep(for: .milliseconds(200))
        try test.drop(test.cliSeal(TestHome.returnJSON(agency: "education"), agency: "education"), inbox: "education/new")
        let third = await iterator.next()
        #expect(third?.agencyId == "education" && third?.status == .accepted)

        try test.drop(Array("garbage".utf8))
        #expect(await iterator.next()?.reason == .malformed)

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try test.home.ledger.caseRecord(TestHome.caseRef)?.latest.count == 3)
    }

    /// An input that fails once the service runs (here store/ is gone, so it cannot be kept) is
    /// retried within seconds of the cause going away, not at the next periodic rescan.
    @Test(.timeLimit(.minutes(1)))
    func aFailedInputIsRetriedSoon() async throws {
        let test = try TestHome(pki: pki)
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let service = DropDirectoryService(drop: try DropDirectory(pipeline: try test.pipeline()), logger: logger, rescanSeconds: 3600,
                                           onReady: { readyContinuation.yield(); readyContinuation.finish() })
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        let running = Task { try await group.run() }
        for await _ in ready {}
        let aside = "\(test.layout.root)/store-aside"
        try FileManager.default.moveItem(atPath: test.layout.store, toPath: aside)
        try test.drop(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police"))
        try await Task.sleep(for: .seconds(1))
        #expect(test.files(in: test.layout.dropNew).count == 1, "the input waits while it cannot be kept")
        #expect(try test.home.ledger.caseRecord(TestHome.caseRef)?.latest.isEmpty == true)
        try FileManager.default.moveItem(atPath: aside, toPath: test.layout.store)
        let deadline = ContinuousClock.now + .seconds(30)
        while !test.files(in: test.layout.dropNew).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(test.files(in: test.layout.dropNew).isEmpty)
        #expect(try test.home.ledger.caseRecord(TestHome.caseRef)?.latest["police"] != nil)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }

    /// Each new signed checkpoint goes to checkpoints.log and to the configured command.
    @Test(.timeLimit(.minutes(1)))
    func checkpointsArePublished() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("published-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let test = try TestHome(pki: pki) {
            $0.replacingOccurrences(of: "checkpoint_command = \"\"", with: "checkpoint_command = \"cat >> \(marker)\"")
        }
        #expect(test.home.settings.ledger.checkpointCommand == "cat >> \(marker)")
        let logger = Logger(label: "test")
        let publisher = CheckpointPublisher(home: test.home, logger: logger)
        publisher.publish()  // what the set-up signed while "the daemon was down"
        let before = try #require(try test.home.ledger.latestSignedCheckpoint())
        let drop = try DropDirectory(pipeline: try test.pipeline())
        _ = try drop.process(try test.drop(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")))
        publisher.publish()
        let after = try #require(try test.home.ledger.latestSignedCheckpoint())
        #expect(after.size > before.size)
        let log = try String(contentsOfFile: publisher.logPath, encoding: .utf8)
        #expect(log.contains(before.note) && log.contains(after.note))
        #expect(log.components(separatedBy: "\n— ").count - 1 == (try test.home.ledger.signedCheckpoints().count))
        publisher.publish()  // nothing new: nothing appended
        #expect(try String(contentsOfFile: publisher.logPath, encoding: .utf8) == log)
        // The command runs asynchronously.
        for _ in 0..<100 where !((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").contains(after.note) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").contains(after.note))
        // A new publisher (a restarted daemon) resumes after what the log holds.
        let restarted = CheckpointPublisher(home: test.home, logger: logger)
        restarted.publish()
        #expect(try String(contentsOfFile: publisher.logPath, encoding: .utf8) == log)
    }
}
