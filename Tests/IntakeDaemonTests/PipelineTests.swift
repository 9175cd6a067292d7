import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// One openssl-made PKI for the suite; a fresh home per test.
let sharedPKI: TestPKI = {
    let pki = try! TestPKI()
    for agency in TestHome.agencies + ["probation"] { try! pki.makeAgency(agency) }
    try! pki.makeAgency("rogue", selfSigned: true)
    return pki
}()

@Suite struct PipelineTests {
    let pki = sharedPKI

    func expect(_ outcome: Outcome, _ reason: ReasonCode, in test: TestHome, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(outcome.status == .rejected, sourceLocation: sourceLocation)
        #expect(outcome.reason == reason, "\(outcome.message)", sourceLocation: sourceLocation)
        // The bytes are kept in quarantine with a JSON record naming the reason.
        let record = "\(test.layout.quarantine)/\(outcome.envelopeSha256).json"
        let json = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: record))))
        #expect(json["reason"]?.stringValue == reason.rawValue, sourceLocation: sourceLocation)
        #expect(FileManager.default.fileExists(atPath: "\(test.layout.quarantine)/\(outcome.envelopeSha256).p7m"),
                sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: "\(test.layout.store)/\(outcome.envelopeSha256).p7m"),
                sourceLocation: sourceLocation)
    }

    @Test func acceptsAStockOpenSSLEnvelopeAndLocksIt() throws {
        let test = try TestHome(pki: pki)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        let outcome = try test.pipeline().process(envelope, channel: "ingest")
        #expect(outcome.status == .accepted)
        #expect(outcome.caseRef == TestHome.caseRef && outcome.agencyId == "police" && outcome.version == 1)
        #expect(outcome.envelopeSha256 == SHA256.hex(envelope))
        let stored = "\(test.layout.store)/\(outcome.envelopeSha256).p7m"
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: stored))) == envelope)
        let mode = try FileManager.default.attributesOfItem(atPath: stored)[.posixPermissions] as? Int
        #expect(mode == 0o440)
        let record = try #require(try test.home.ledger.caseRecord(TestHome.caseRef))
        #expect(record.latest["police"]?.completeness == .complete)
    }

    @Test func incompleteIsAcceptedWithWhatIsMissing() throws {
        let test = try TestHome(pki: pki)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "health", complete: false), agency: "health")
        let outcome = try test.pipeline().process(envelope, channel: "ingest")
        #expect(outcome.status == .acceptedIncomplete)
        #expect(outcome.missing == ["sign-off"])
    }

    @Test func sameContentIsADuplicateWhateverTheEnvelope() throws {
        let test = try TestHome(pki: pki)
        let pipeline = try test.pipeline()
        let content = TestHome.returnJSON(agency: "police")
        let first = try pipeline.process(test.cliSeal(content, agency: "police"), channel: "ingest")
        let again = try test.cliSeal(content, agency: "police", outform: "PEM")  // new bytes, same content
        let second = try pipeline.process(again, channel: "ingest")
        #expect(second.status == .duplicate)
        #expect(second.version == 1)
        #expect(second.envelopeSha256 != first.envelopeSha256)
        #expect(FileManager.default.fileExists(atPath: "\(test.layout.store)/\(second.envelopeSha256).p7m"))
        #expect(try test.home.ledger.caseRecord(TestHome.caseRef)?.latest["police"]?.version == 1)
    }

    @Test func changedContentIsANewVersionThatSupersedes() throws {
        let test = try TestHome(pki: pki)
        let pipeline = try test.pipeline()
        let first = try pipeline.process(test.cliSeal(TestHome.returnJSON(agency: "police", complete: false), agency: "police"), channel: "ingest")
        let second = try pipeline.process(test.cliSeal(TestHome.returnJSON(agency: "police", note: "second"), agency: "police"), channel: "ingest")
        #expect(first.status == .acceptedIncomplete && second.status == .accepted)
        #expect(second.version == 2)
        let superseded = try #require(try test.home.ledger.entry(at: second.ledgerIndex + 1).flatMap(LedgerEvent.parse(entry:)))
        #expect(superseded.kind == .returnSuperseded)
        #expect(superseded["version"]?.intValue == 1 && superseded["supersededBy"]?.intValue == 2)
        #expect(try test.home.ledger.caseRecord(TestHome.caseRef)?.latest["police"]?.version == 2)
    }

    /// Issue 12, item 5: re-posting an agency's earlier, incomplete version after its
    /// correction is a duplicate of version 1, not version 3; an envelope signed before the
    /// latest version is refused; the corrected return stays the latest. (A signing time in
    /// the future or before the certificate: `SubmissionPolicyDecisionTests`.)
    @Test func oldEnvelopesCannotRollAReturnBack() throws {
        let test = try TestHome(pki: pki)
        let pipeline = try test.pipeline()
        let v1 = try test.cliSeal(TestHome.returnJSON(agency: "police", complete: false), agency: "police")
        let older = try test.cliSeal(TestHome.returnJSON(agency: "police", note: "signed early, sent late"), agency: "police")
        Thread.sleep(forTimeInterval: 1.1)  // signingTime has whole seconds
        #expect(try pipeline.process(v1, channel: "ingest").status == .acceptedIncomplete)
        let v2 = try pipeline.process(test.cliSeal(TestHome.returnJSON(agency: "police", note: "corrected"), agency: "police"), channel: "ingest")
        #expect(v2.status == .accepted && v2.version == 2)
        for _ in 0..<3 {
            let replayed = try pipeline.process(v1, channel: "ingest")
            #expect(replayed.status == .duplicate && replayed.version == 1, "\(replayed.message)")
        }
        let late = try pipeline.process(older, channel: "ingest")
        try expect(late, .invalidReturn, in: test)
        #expect(late.message.contains("before version 2"), "\(late.message)")
        let latest = try #require(try test.home.ledger.caseRecord(TestHome.caseRef)?.latest["police"])
        #expect(latest.version == 2 && latest.completeness.isComplete)
        let event = try #require(try test.home.ledger.entry(at: v2.ledgerIndex).flatMap(LedgerEvent.parse(entry:)))
        #expect(event["signingTime"]?.stringValue != nil)
    }

    @Test(arguments: ["DER", "PEM", "SMIME"])
    func everyEncodingFromStockOpenSSL(outform: String) throws {
        let test = try TestHome(pki: pki)
        let outcome = try test.pipeline().process(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police", outform: outform), channel: "ingest")
        #expect(outcome.status == .accepted)
    }

    @Test func rsaHomeAcceptsOAEPAndPKCS1() throws {
        let test = try TestHome(pki: pki, keyKind: .rsa)
        let pipeline = try test.pipeline()
        let oaep = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police", encryptExtra: ["-keyopt", "rsa_padding_mode:oaep"])
        #expect(try pipeline.process(oaep, channel: "ingest").status == .accepted)
        let pkcs1 = try test.cliSeal(TestHome.returnJSON(agency: "health"), agency: "health", cipher: "-aes-256-cbc")
        #expect(try pipeline.process(pkcs1, channel: "ingest").status == .accepted)
    }

    /// Inputs of 8 MiB and more are staged on disk before they are opened: accepted ones end
    /// up in store/, rejected ones in quarantine/, byte for byte, with no staging file left.
    @Test func largeInputsAreStagedAndPlaced() throws {
        let test = try TestHome(pki: pki)
        let attachment = [UInt8](repeating: 0x5a, count: 7 << 20)
        guard case .object(var members) = try JSONParser.parse(TestHome.returnJSON(agency: "police")) else { return }
        members["attachments"] = .array([.object(["name": .string("big.bin"), "mediaType": .string("application/octet-stream"),
                                                  "sha256": .string(SHA256.hex(attachment)), "dataBase64": .string(Base64.encode(attachment))])])
        let envelope = try EnvelopeSealer.seal(CanonicalJSON.encode(.object(members)), signer: pki.certificate("police"),
                                               key: pki.key("police"), to: [test.home.intakeCertificate])
        #expect(envelope.count >= 8 << 20)
        let pipeline = try test.pipeline()
        let accepted = try pipeline.process(envelope, channel: "ingest")
        #expect(accepted.status == .accepted)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(test.layout.store)/\(accepted.envelopeSha256).p7m"))) == envelope)
        var garbage = envelope
        garbage[100] ^= 0xff
        garbage[garbage.count - 100] ^= 0xff
        let rejected = try pipeline.process(garbage, channel: "ingest")
        #expect(rejected.status == .rejected)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(test.layout.quarantine)/\(rejected.envelopeSha256).p7m"))) == garbage)
        // The same large envelope again: a duplicate, its staged copy dropped.
        #expect(try pipeline.process(envelope, channel: "ingest").status == .duplicate)
        #expect(test.files(in: test.layout.store).allSatisfy { !$0.hasPrefix(".tmp-") })
        #expect(test.files(in: test.layout.quarantine).allSatisfy { !$0.hasPrefix(".tmp-") })
    }

    // MARK: one test per reason code, end to end

    @Test func tooLarge() throws {
        let test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 1000") }
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        #expect(envelope.count > 1000)
        try expect(try test.pipeline().process(envelope, channel: "ingest"), .tooLarge, in: test)
    }

    @Test func malformed() throws {
        let test = try TestHome(pki: pki)
        try expect(try test.pipeline().process(Array("not an envelope".utf8), channel: "ingest"), .malformed, in: test)
    }

    @Test func notForUs() throws {
        let test = try TestHome(pki: pki)
        let envelope = try pki.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police", to: .ec)  // the PKI's own intake cert
        try expect(try test.pipeline().process(envelope, channel: "ingest"), .notForUs, in: test)
    }

    @Test func decryptFailed() throws {
        let test = try TestHome(pki: pki)
        var envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        envelope[envelope.count - 20] ^= 0x80
        try expect(try test.pipeline().process(envelope, channel: "ingest"), .decryptFailed, in: test)
    }

    @Test func weakCrypto() throws {
        let test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "allow_cbc = true", with: "allow_cbc = false") }
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police", cipher: "-aes-256-cbc")
        try expect(try test.pipeline().process(envelope, channel: "ingest"), .weakCrypto, in: test)
        let des3 = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police", cipher: "-des3")
        try expect(try test.pipeline().process(des3, channel: "ingest"), .weakCrypto, in: test)
    }

    @Test func badSignature() throws {
        let test = try TestHome(pki: pki)
        var signed = try pki.cliSign(TestHome.returnJSON(agency: "police"), agency: "police")
        let at = try #require(signed.firstRange(of: Array("Test event".utf8)))
        signed.replaceSubrange(at, with: Array("Best event".utf8))
        let envelope = try [UInt8](pki.run(["cms", "-encrypt", "-binary", "-aes-256-gcm", "-recip", test.intakeCertificateName,
                                            "-outform", "DER"], input: Data(signed)))
        try expect(try test.pipeline().process(envelope, channel: "ingest"), .badSignature, in: test)
    }

    @Test func untrustedSigner() throws {
        let test = try TestHome(pki: pki)
        try expect(try test.pipeline().process(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "rogue"), channel: "ingest"),
                   .untrustedSigner, in: test)
    }

    @Test func certExpired() throws {
        let test = try TestHome(pki: pki)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        let later = UTCInstant(secondsSinceEpoch: SystemClock.now().secondsSinceEpoch + 400 * 86_400)
        try expect(try test.pipeline().process(envelope, channel: "ingest", receivedAt: later), .certExpired, in: test)
    }

    @Test func unknownSigner() throws {
        let test = try TestHome(pki: pki, agencies: ["police", "health"])
        // probation's certificate chains to the trust anchor but is pinned to no agency.
        try expect(try test.pipeline().process(test.cliSeal(TestHome.returnJSON(agency: "probation"), agency: "probation"), channel: "ingest"),
                   .unknownSigner, in: test)
    }

    @Test func wrongAgency() throws {
        let test = try TestHome(pki: pki)
        let content = TestHome.returnJSON(agency: "police", agencyIdInDocument: "health")
        try expect(try test.pipeline().process(test.cliSeal(content, agency: "police"), channel: "ingest"), .wrongAgency, in: test)
    }

    @Test func unknownCase() throws {
        let test = try TestHome(pki: pki)
        let content = TestHome.returnJSON(agency: "police", caseRef: "RR-2026-999")
        try expect(try test.pipeline().process(test.cliSeal(content, agency: "police"), channel: "ingest"), .unknownCase, in: test)
    }

    @Test func caseClosed() throws {
        let test = try TestHome(pki: pki)
        try test.home.ledger.recordPanelNotified(ref: TestHome.caseRef, on: LocalDate("2026-12-01")!, at: SystemClock.now())
        try expect(try test.pipeline().process(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police"), channel: "ingest"),
                   .caseClosed, in: test)
    }

    @Test func agencyNotExpected() throws {
        let test = try TestHome(pki: pki, agencies: ["police", "health", "probation"], openCase: false)
        try test.home.ledger.openCase(ref: TestHome.caseRef, referred: LocalDate("2026-11-23")!, agencies: ["police", "health"], at: SystemClock.now())
        try expect(try test.pipeline().process(test.cliSeal(TestHome.returnJSON(agency: "probation"), agency: "probation"), channel: "ingest"),
                   .agencyNotExpected, in: test)
    }

    @Test func invalidReturn() throws {
        let test = try TestHome(pki: pki)
        let content = Array(#"{"schema":"scoping-return/v1","caseRef":"RR-2026-014","agencyId":"police","chronology":"not a list"}"#.utf8)
        try expect(try test.pipeline().process(test.cliSeal(content, agency: "police"), channel: "ingest"), .invalidReturn, in: test)
        let duplicateKeys = Array(#"{"schema":"scoping-return/v1","caseRef":"RR-2026-014","agencyId":"police","agencyId":"health"}"#.utf8)
        try expect(try test.pipeline().process(test.cliSeal(duplicateKeys, agency: "police"), channel: "ingest"), .invalidReturn, in: test)
    }

    @Test func everyOutcomeIsALedgerEventAndCheckpointed() throws {
        let test = try TestHome(pki: pki)
        let pipeline = try test.pipeline()
        let before = try test.home.ledger.treeSize()
        _ = try pipeline.process(Array("junk".utf8), channel: "ingest")
        _ = try pipeline.process(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police"), channel: "ingest")
        #expect(try test.home.ledger.treeSize() == before + 2)
        let checkpoint = try #require(try test.home.ledger.latestCheckpoint())
        #expect(checkpoint.size == before + 2)
        let note = try SignedNote.parse(checkpoint.note)
        let body = try Checkpoint.parse(note.text)
        #expect(body.rootHash == (try test.home.ledger.rootHash(size: before + 2)))
        // The leaves never hold content: no text from the return appears in any entry.
        for index in 0..<(before + 2) {
            let entry = String(decoding: try #require(try test.home.ledger.entry(at: index)), as: UTF8.self)
            #expect(!entry.contains("Test Author") && !entry.contains("Test summary"))
        }
    }
}
