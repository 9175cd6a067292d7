import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Logging
import ServiceLifecycle
import Testing

/// The meeting pack end to end: released when the last return is complete, decrypted by a
/// recipient with stock `openssl cms -decrypt`, unzipped, and every hash in the manifest
/// checked against the stored envelopes, the returns and the ledger.
@Suite struct MeetingPackReleaseTests {
    let pki = sharedPKI

    static let chair: Void = { try! sharedPKI.makeAgency("chair") }()

    func home(agencies: [String] = TestHome.agencies) throws -> TestHome {
        _ = Self.chair
        let test = try TestHome(pki: pki, agencies: agencies)
        try FileManager.default.copyItem(atPath: pki.url("chair.crt").path, toPath: "\(test.layout.packRecipients)/chair.pem")
        return test
    }

    func submit(_ test: TestHome, _ agency: String, complete: Bool = true, note: String = "first") throws -> Outcome {
        try test.pipeline().process(test.cliSeal(TestHome.returnJSON(agency: agency, complete: complete, note: note), agency: agency),
                                    channel: "drop")
    }

    /// Issue 12, item 5: a burst of new versions makes a few packs, not one each. Twelve police
    /// versions wait in drop/new when `serve` starts (health and education are in): every one
    /// of them completes the set, but releases for one case coalesce (one at a time, the next
    /// only once the previous is written, whatever arrived meanwhile), and the last pack holds
    /// the latest version.
    @Test(.timeLimit(.minutes(2)))
    func aBurstOfVersionsMakesAFewPacksNotOneEach() async throws {
        let test = try home()
        for agency in ["health", "education"] { _ = try submit(test, agency) }
        var latest = ""
        for index in 0..<12 {
            let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police", note: "burst \(index)"), agency: "police")
            latest = SHA256.hex(envelope)
            _ = try test.drop(envelope, name: String(format: "%02d.p7m", index))
        }
        let serve = try ServeChild(root: test.layout.root, log: "\(test.layout.root)/serve.log")
        #expect(await serve.waitUntilServing(seconds: 30), "\(serve.logTail)")
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !test.files(in: test.layout.dropNew).isEmpty || !serve.logText.contains("meeting pack released") {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(2))  // any second release
        let killed = await serve.stop(grace: 20)
        #expect(!killed, "\(serve.logTail)")
        let record = try #require(try test.home.ledger.caseRecord(TestHome.caseRef))
        #expect(record.latest["police"]?.version == 12 && record.latest["police"]?.envelopeSha256 == latest)
        #expect((1...4).contains(record.packs.count), "\(record.packs.count) packs for a burst of 12 versions")
        #expect(Set(record.packs.map(\.returnIndices)).count == record.packs.count, "no two packs hold the same returns")
        let last = try #require(record.packs.last)
        #expect(last.returnIndices.contains(try #require(record.latest["police"]?.ledgerIndex)), "the last pack has the latest version")
    }

    /// Decrypts `pack` as the chair with stock openssl and unzips it; returns the folder.
    func open(_ pack: String) throws -> URL {
        let name = "pack-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: pack, toPath: pki.url("\(name).p7m").path)
        _ = try pki.run(["cms", "-decrypt", "-inform", "DER", "-in", "\(name).p7m", "-recip", "chair.crt", "-inkey", "chair.key",
                         "-out", "\(name).zip"])
        let folder = pki.url(name)
        _ = try Subprocess.run("/usr/bin/unzip", ["-q", pki.url("\(name).zip").path, "-d", folder.path])
        return folder
    }

    @Test func releasedWhenCompleteAndEveryHashChecksOut() throws {
        let test = try home()
        let releaser = try PackReleaser(home: test.home, clock: SystemClock.now)
        _ = try submit(test, "police")
        _ = try submit(test, "health", complete: false)
        _ = try submit(test, "education")
        #expect(try releaser.releaseIfDue(TestHome.caseRef) == nil, "health is incomplete")
        _ = try submit(test, "health", note: "signed off")
        let released = try #require(try releaser.releaseIfDue(TestHome.caseRef))
        #expect(released.number == 1 && released.missing.isEmpty && released.returns == 3)
        #expect(released.path == "\(test.layout.packs)/\(TestHome.caseRef)/pack-1.p7m")
        let sealed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: released.path)))
        #expect(SHA256.hex(sealed) == released.sha256)
        #expect(try releaser.releaseIfDue(TestHome.caseRef) == nil, "nothing new since")

        // An AuthEnvelopedData (AES-256-GCM), which a recipient opens with stock openssl.
        let folder = try open(released.path)
        let manifest = try JSONParser.parse([UInt8](Data(contentsOf: folder.appendingPathComponent("manifest.json"))))
        #expect(manifest["schema"]?.stringValue == "intake-pack/v1" && manifest["pack"]?.intValue == 1)
        let checkpointText = try String(contentsOf: folder.appendingPathComponent("checkpoint.txt"), encoding: .utf8)
        let note = try SignedNote.parse(checkpointText)
        #expect(note.isSigned(by: test.home.ledgerVerifierKey))
        let checkpoint = try Checkpoint.parse(note.text)
        let returns = try #require(manifest["returns"]?.arrayValue)
        #expect(returns.compactMap { $0["agencyId"]?.stringValue } == TestHome.agencies)
        let record = try #require(try test.home.ledger.caseRecord(TestHome.caseRef))
        for item in returns {
            let agency = try #require(item["agencyId"]?.stringValue), latest = try #require(record.latest[agency])
            // The envelope hash is the stored envelope's; the content hash is the return's bytes'.
            let envelopeSha = try #require(item["envelopeSha256"]?.stringValue)
            #expect(envelopeSha == latest.envelopeSha256)
            let stored = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(test.layout.store)/\(envelopeSha).p7m")))
            #expect(SHA256.hex(stored) == envelopeSha)
            let content = try [UInt8](Data(contentsOf: folder.appendingPathComponent(try #require(item["file"]?.stringValue))))
            #expect(SHA256.hex(content) == item["contentSha256"]?.stringValue)
            #expect(item["version"]?.intValue == latest.version && item["complete"]?.boolValue == true)
            // The ledger entry names both, and its tlog-proof proves it against the checkpoint.
            let index = try #require(item["ledgerIndex"]?.intValue)
            let entry = try #require(try test.home.ledger.entry(at: index))
            let event = try #require(LedgerEvent.parse(entry: entry))
            #expect(event["envelopeSha256"]?.stringValue == envelopeSha && event["contentSha256"]?.stringValue == SHA256.hex(content))
            let proofText = try String(contentsOf: folder.appendingPathComponent(try #require(item["proof"]?.stringValue)), encoding: .utf8)
            let proof = try TlogProof.parse(proofText)
            #expect(proof.index == index && proof.checkpoint.size == checkpoint.size)
            #expect(MerkleVerifier.verifyInclusion(leafHash: MerkleHashing.leafHash(entry), index: index, size: checkpoint.size,
                                                   proof: proof.inclusionProof, root: checkpoint.rootHash))
        }
        let html = try String(contentsOf: folder.appendingPathComponent("pack.html"), encoding: .utf8)
        #expect(html.contains("Rapid Review \(TestHome.caseRef)") && html.contains("Multi-agency chronology"))
        for agency in TestHome.agencies { #expect(html.contains("id=\"return-\(agency)\"")) }

        // The ledger names the pack's hash; the case shows it; the home audits clean.
        let packEntry = try #require(try test.home.ledger.entry(at: released.ledgerIndex))
        let event = try #require(LedgerEvent.parse(entry: packEntry))
        #expect(event.kind == .packReleased && event["packSha256"]?.stringValue == released.sha256)
        let status = CaseStatus(record: try #require(try test.home.ledger.caseRecord(TestHome.caseRef)),
                                timescales: test.home.settings.timescales, calendar: test.home.calendar, today: SystemClock.now().londonDate)
        #expect(status.state == .packReleased)
        #expect(try HomeAudit.run(test.home).findings.isEmpty)

        // A return after release: pack 2, and pack 1 is superseded.
        _ = try submit(test, "police", note: "second thoughts")
        let second = try #require(try releaser.releaseIfDue(TestHome.caseRef))
        #expect(second.number == 2)
        let packs = try #require(try test.home.ledger.caseRecord(TestHome.caseRef)).packs
        #expect(packs.map(\.number) == [1, 2])
        let json = CaseStatus(record: try #require(try test.home.ledger.caseRecord(TestHome.caseRef)),
                              timescales: test.home.settings.timescales, calendar: test.home.calendar, today: SystemClock.now().londonDate).json
        #expect(json["packs"]?.arrayValue?.map { $0["superseded"]?.boolValue } == [true, false])
        let secondManifest = try JSONParser.parse([UInt8](Data(contentsOf: try open(second.path).appendingPathComponent("manifest.json"))))
        #expect(secondManifest["returns"]?.arrayValue?.first?["version"]?.intValue == 2)
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }

    @Test func earlyReleaseNeedsAnOverrideAndIsRecordedWithWhatIsMissing() throws {
        let test = try home()
        let releaser = try PackReleaser(home: test.home, clock: SystemClock.now)
        _ = try submit(test, "police")
        #expect(throws: HomeError.self) { try releaser.release(TestHome.caseRef, overrideReason: nil) }
        let released = try releaser.release(TestHome.caseRef, overrideReason: "meeting brought forward by the chair")
        #expect(released.number == 1 && released.missing == ["health", "education"] && released.returns == 1)
        let packEntry = try #require(try test.home.ledger.entry(at: released.ledgerIndex))
        let event = try #require(LedgerEvent.parse(entry: packEntry))
        #expect(event["override"]?.boolValue == true && event["reason"]?.stringValue == "meeting brought forward by the chair")
        #expect(event["missing"]?.arrayValue?.compactMap(\.stringValue) == ["health", "education"])
        let manifest = try JSONParser.parse([UInt8](Data(contentsOf: try open(released.path).appendingPathComponent("manifest.json"))))
        #expect(manifest["override"]?.boolValue == true && manifest["missing"]?.arrayValue?.count == 2)
        // The late returns then make pack 2 on their own once the set is complete.
        _ = try submit(test, "health")
        #expect(try releaser.releaseIfDue(TestHome.caseRef)?.number == 2)
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }

    @Test func noRecipientsMeansNoPackAndNothingRecorded() throws {
        let test = try TestHome(pki: pki)
        let releaser = try PackReleaser(home: test.home, clock: SystemClock.now)
        for agency in TestHome.agencies { _ = try submit(test, agency) }
        let size = try test.home.ledger.treeSize()
        #expect(throws: HomeError.self) { try releaser.releaseIfDue(TestHome.caseRef) }
        #expect(try test.home.ledger.treeSize() == size)
        #expect(test.files(in: test.layout.packs).isEmpty)
    }
}

/// Deadlines after opening, and the sweeper's alerts, against a real ledger.
@Suite struct DeadlineSweeperTests {
    let pki = sharedPKI

    /// A due pack whose release failed for want of storage (here packs/ is gone) is released by
    /// the running sweeper within seconds of storage coming back, not at the next day's sweep;
    /// the failure is logged once, not at every retry.
    @Test(.timeLimit(.minutes(1)))
    func aFailedReleaseIsRetried() async throws {
        _ = MeetingPackReleaseTests.chair
        let test = try TestHome(pki: pki)
        try FileManager.default.copyItem(atPath: pki.url("chair.crt").path, toPath: "\(test.layout.packRecipients)/chair.pem")
        for agency in TestHome.agencies {
            _ = try test.pipeline().process(test.cliSeal(TestHome.returnJSON(agency: agency), agency: agency), channel: "drop")
        }
        let aside = "\(test.layout.root)/packs-aside"
        try FileManager.default.moveItem(atPath: test.layout.packs, toPath: aside)
        let runtime = try Runtime(home: test.home, clock: SystemClock.now)
        let lines = LogLines()
        let logger = Logger(label: "test") { _ in lines }
        let group = ServiceGroup(configuration: .init(services: [.init(service: DeadlineSweeper(runtime: runtime, logger: logger,
                                                                                               interval: .seconds(3600)))],
                                                      logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
        let running = Task { try await group.run() }
        let packs = { (try test.home.ledger.caseRecord(TestHome.caseRef))?.packs.count ?? 0 }
        for _ in 0..<200 where !runtime.current.packs.hasFailedRelease { try await Task.sleep(for: .milliseconds(20)) }
        #expect(runtime.current.packs.hasFailedRelease)
        #expect(try packs() == 0)
        try await Task.sleep(for: .seconds(3))  // a retry or two, failing the same way
        try FileManager.default.moveItem(atPath: aside, toPath: test.layout.packs)
        let deadline = ContinuousClock.now + .seconds(30)
        while try packs() == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try packs() == 1)
        #expect(!runtime.current.packs.hasFailedRelease)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(lines.messages.filter { $0 == "meeting pack not released" }.count == 1, "\(lines.messages)")
        #expect(lines.messages.contains("meeting pack released"))
    }

    /// Issue 12, item 13: a first start on a home with many old open cases (here 30, each with
    /// three agencies overdue and its meeting and Panel deadlines long past) logs one line per
    /// case, not one per alert, and runs the alert command 20 times and then one summary.
    @Test func aFirstStartOnManyOldCasesSaysOneThingPerCase() throws {
        let runsDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("alerts-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: runsDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: runsDirectory) }
        let test = try TestHome(pki: pki, openCase: false) {
            $0.replacingOccurrences(of: "\ncommand = \"\"", with: "\ncommand = \"cat > $(mktemp -p \(runsDirectory))\"")
        }
        let refs = (1...30).map { String(format: "RR-2025-%03d", $0) }
        for ref in refs {
            try test.home.ledger.openCase(ref: ref, referred: LocalDate("2025-01-06")!, agencies: TestHome.agencies, at: SystemClock.now())
        }
        let runtime = try Runtime(home: test.home, clock: SystemClock.now)
        let lines = LogLines()
        let sweeper = DeadlineSweeper(runtime: runtime, logger: Logger(label: "test") { _ in lines })
        let raised = sweeper.sweep(today: LocalDate("2026-12-07")!)
        #expect(raised.count == 30 * 5, "three returns, the meeting and the Panel overdue, per case")
        #expect(Set(raised.map(\.kind)) == [.returnOverdue, .meetingOverdue, .panelOverdue])
        #expect(lines.messages.filter { $0 == "deadline" }.count == 30, "one line per case")
        #expect(lines.messages.filter { $0 == "alerts held back" }.count == 1)
        #expect(sweeper.sweep(today: LocalDate("2026-12-07")!).isEmpty, "raised once")
        func runs() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? []).compactMap {
                try? String(contentsOfFile: "\(runsDirectory)/\($0)", encoding: .utf8)
            }.filter { $0.hasSuffix("\n") }
        }
        for _ in 0..<200 where runs().count < 21 { Thread.sleep(forTimeInterval: 0.05) }
        Thread.sleep(forTimeInterval: 0.3)  // nothing more comes
        let made = runs()
        #expect(made.count == 21, "20 cases, then one summary: \(made.count)")
        #expect(made.filter { $0.contains("\"kind\":\"alerts-held\"") && $0.contains("\"cases\":10") }.count == 1)
        #expect(made.filter { !$0.contains("alerts-held") }.allSatisfy { $0.split(separator: "\n").count == 5 }, "five JSON lines per case")
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }

    @Test func alertsAreRaisedOnceAndDueDatesChange() throws {
        let test = try TestHome(pki: pki)  // referred 2026-11-23: returns due 2026-12-03
        let runtime = try Runtime(home: test.home, clock: SystemClock.now)
        let sweeper = DeadlineSweeper(runtime: runtime, logger: .init(label: "test") { _ in SwiftLogNoOpLogHandler() })
        _ = try test.pipeline().process(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police"), channel: "drop")
        let december = { LocalDate(year: 2026, month: 12, day: $0)! }
        #expect(sweeper.sweep(today: december(3)).isEmpty)
        // Saturday 5 and Sunday 6 December would raise nothing: alerts wait for a working day.
        #expect(sweeper.sweep(today: december(5)).isEmpty && sweeper.sweep(today: december(6)).isEmpty)
        let overdue = sweeper.sweep(today: december(4))
        #expect(Set(overdue.compactMap(\.agencyId)) == ["health", "education"] && overdue.allSatisfy { $0.kind == .returnOverdue })
        #expect(sweeper.sweep(today: december(4)).isEmpty, "raised once")
        // The meeting (10 December) is 3 working days away on Monday 7th, 2 on Tuesday 8th.
        #expect(sweeper.sweep(today: december(7)).isEmpty)
        // Moving the returns deadline raises return-overdue again for the new date, when it passes.
        try test.home.ledger.setDue(ref: TestHome.caseRef, milestone: .returns, due: december(8), at: SystemClock.now())
        #expect(try test.home.ledger.caseRecord(TestHome.caseRef)?.overrides[.returns] == december(8))
        #expect(sweeper.sweep(today: december(8)).map(\.kind) == [.meetingDueSoon])
        #expect(sweeper.sweep(today: december(9)).filter { $0.kind == .returnOverdue }.count == 2)
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
        #expect(throws: LedgerError.self) {
            try test.home.ledger.setDue(ref: TestHome.caseRef, milestone: .panel, due: LocalDate(year: 2026, month: 1, day: 1)!, at: SystemClock.now())
        }
    }
}
