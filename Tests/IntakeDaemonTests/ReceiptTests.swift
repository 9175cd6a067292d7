import Foundation
import GRDB
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// Receipts (DESIGN §3): issued for accepted and duplicate submissions, written before the
/// drop-directory input leaves, verifiable by stock openssl and by `intake receipt verify`,
/// which catches a ledger rolled back or forked since.
@Suite struct ReceiptTests {
    let pki = sharedPKI

    struct Dropped {
        let test: TestHome
        let outcome: Outcome
        let envelope: [UInt8]
        var receiptPath: String { "\(test.layout.receipts)/\(outcome.agencyId ?? "?")/\(outcome.envelopeSha256).receipt" }
    }

    func dropAndProcess(_ test: TestHome, _ envelope: [UInt8], inbox: String = "new") throws -> Outcome {
        let drop = try DropDirectory(pipeline: try test.pipeline())
        return try #require(try drop.process(try test.drop(envelope, inbox: inbox)))
    }

    func accepted() throws -> Dropped {
        let test = try TestHome(pki: pki)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        return Dropped(test: test, outcome: try dropAndProcess(test, envelope), envelope: envelope)
    }

    @Test func dropDirectoryAcceptanceWritesAReceiptStockOpenSSLVerifies() throws {
        let dropped = try accepted()
        #expect(dropped.outcome.status == .accepted)
        let der = try Data(contentsOf: URL(fileURLWithPath: dropped.receiptPath))
        // Stock openssl, default purpose, the receipt certificate as the only anchor.
        try der.write(to: dropped.test.pki.url("r-\(dropped.outcome.envelopeSha256).der"))
        let content = try dropped.test.pki.run(["cms", "-verify", "-inform", "DER", "-in", "r-\(dropped.outcome.envelopeSha256).der",
                                                "-CAfile", dropped.test.layout.receiptCertificate, "-binary"])
        let receipt = try #require(Receipt.parse([UInt8](content)))
        #expect(receipt.status == .accepted && receipt.caseRef == TestHome.caseRef && receipt.agencyId == "police")
        #expect(receipt.envelopeSha256 == SHA256.hex(dropped.envelope))
        #expect(receipt.index == dropped.outcome.ledgerIndex)
        let key = dropped.test.home.ledgerVerifierKey
        guard case .success(let checkpoint) = receipt.verify(isSigned: { $0.isSigned(by: key) }) else {
            Issue.record("the receipt does not verify")
            return
        }
        #expect(checkpoint.size == receipt.treeSize)
        // Our own verifier agrees with openssl.
        let ours = SignedDataVerifier.verify([UInt8](der), trusting: [try Certificate(pem: DurableFile.read(dropped.test.layout.receiptCertificate))],
                                             at: SystemClock.now().secondsSinceEpoch)
        #expect((try? ours.get()) == [UInt8](content))
    }

    @Test func duplicatesGetAReceiptRejectionsDoNot() throws {
        let test = try TestHome(pki: pki)
        let content = TestHome.returnJSON(agency: "health")
        _ = try dropAndProcess(test, test.cliSeal(content, agency: "health"))
        let second = try test.cliSeal(content, agency: "health")
        let duplicate = try dropAndProcess(test, second)
        #expect(duplicate.status == .duplicate)
        let der = try DurableFile.read("\(test.layout.receipts)/health/\(duplicate.envelopeSha256).receipt")
        let signer = try Certificate(pem: DurableFile.read(test.layout.receiptCertificate))
        let receipt = try #require(Receipt.parse(try SignedDataVerifier.verify(der, trusting: [signer], at: SystemClock.now().secondsSinceEpoch).get()))
        #expect(receipt.status == .duplicate)
        let rejected = try dropAndProcess(test, Array("junk".utf8))
        #expect(rejected.status == .rejected)
        #expect(test.files(in: test.layout.receipts).sorted() == ["health"])
    }

    @Test func aForgedReceiptFails() throws {
        let dropped = try accepted()
        let signer = try Certificate(pem: DurableFile.read(dropped.test.layout.receiptCertificate))
        var der = try DurableFile.read(dropped.receiptPath)
        let at = try #require(der.firstRange(of: Array("RR-2026-014".utf8)))
        der.replaceSubrange(at, with: Array("RR-2026-015".utf8))
        #expect(throws: CryptoError.self) { try SignedDataVerifier.verify(der, trusting: [signer], at: SystemClock.now().secondsSinceEpoch).get() }
        // A receipt whose JSON was re-signed by another key fails against the real certificate.
        let otherKey = try PrivateKey.generate(.ecP256)
        let other = try CertificateIssuer.issue(subject: .init(commonName: "forger"), key: otherKey, profile: .receiptSigning,
                                                notBefore: SystemClock.now().secondsSinceEpoch - 60, days: 1)
        let content = try SignedDataVerifier.verify(DurableFile.read(dropped.receiptPath), trusting: [signer],
                                                    at: SystemClock.now().secondsSinceEpoch).get()
        let forged = try EnvelopeSealer.sign(content, signer: other, key: otherKey)
        #expect(throws: CryptoError.self) { try SignedDataVerifier.verify(forged, trusting: [signer], at: SystemClock.now().secondsSinceEpoch).get() }
    }

    /// Issue 12, item 6: a receipt re-signed with the real receipt key but claiming another
    /// time of receipt, another status or an extra member is refused; the genuine one passes.
    @Test func aReceiptReSignedWithOtherClaimsFails() throws {
        let dropped = try accepted()
        let layout = dropped.test.layout
        let certificate = try Certificate(pem: DurableFile.read(layout.receiptCertificate))
        let key = try PrivateKey(pem: DurableFile.read(layout.receiptKey))
        let now = SystemClock.now().secondsSinceEpoch
        let genuine = try DurableFile.read(dropped.receiptPath)
        let content = try SignedDataVerifier.verify(genuine, trusting: [certificate], at: now).get()
        guard case .object(var members) = try JSONParser.parse(content) else { Issue.record("not an object"); return }
        let ledgerKey = dropped.test.home.ledgerVerifierKey
        func code(_ changed: [String: JSONValue]) throws -> String? {
            let der = try EnvelopeSealer.sign(CanonicalJSON.encode(.object(changed)), signer: certificate, key: key)
            do {
                _ = try ReceiptVerifier.verify(der, certificate: certificate, key: ledgerKey, ledger: dropped.test.home.ledger, at: now)
                return nil
            } catch let error as HomeError { return error.code }
        }
        #expect(try code(members) == nil, "the genuine claims, re-signed, verify")
        var later = members
        later["receivedAt"] = .string("2026-01-01T00:00:00.000Z")
        #expect(try code(later) == "entry-mismatch")
        var status = members
        status["status"] = .string("accepted-incomplete")
        #expect(try code(status) == "entry-mismatch")
        members["note"] = .string("received in full and on time")
        #expect(try code(members) == "malformed")
        members["note"] = nil
        if case .object(var ledger)? = members["ledger"] {
            ledger["witness"] = .string("x")
            members["ledger"] = .object(ledger)
        }
        #expect(try code(members) == "malformed")
    }

    /// An agency that asks for an RFC 2634 signed receipt (openssl cms -sign
    /// -receipt_request_all) gets one bound to its signature, which stock
    /// `openssl cms -verify_receipt` accepts; an agency that does not ask gets none.
    @Test func signedReceiptForAgenciesThatAskForOne() throws {
        let test = try TestHome(pki: pki)
        let content = TestHome.returnJSON(agency: "police")
        let signed = try pki.cliSign(content, agency: "police", extra: ["-receipt_request_all", "-receipt_request_to", "returns@police.example"])
        let envelope = try [UInt8](pki.run(["cms", "-encrypt", "-binary", "-aes-256-gcm", "-recip", test.intakeCertificateName,
                                            "-outform", "DER"], input: Data(signed)))
        let outcome = try dropAndProcess(test, envelope)
        #expect(outcome.status == .accepted)
        let essPath = "\(test.layout.receipts)/police/\(outcome.envelopeSha256).ess-receipt"
        #expect(FileManager.default.fileExists(atPath: essPath))
        let name = "ess-\(outcome.envelopeSha256)"
        try Data(signed).write(to: pki.url("\(name).signed"))
        try FileManager.default.copyItem(atPath: essPath, toPath: pki.url("\(name).der").path)
        try FileManager.default.copyItem(atPath: test.layout.receiptCertificate, toPath: pki.url("\(name).crt").path)
        let verified = try pki.run(["cms", "-verify_receipt", "\(name).der", "-rctform", "DER", "-in", "\(name).signed",
                                    "-inform", "DER", "-CAfile", "\(name).crt"])
        _ = verified  // exits non-zero (and throws) when the receipt does not verify

        // Without a request: a receipt, but no signed receipt.
        let plain = try dropAndProcess(test, test.cliSeal(TestHome.returnJSON(agency: "health"), agency: "health"))
        #expect(FileManager.default.fileExists(atPath: "\(test.layout.receipts)/health/\(plain.envelopeSha256).receipt"))
        #expect(!FileManager.default.fileExists(atPath: "\(test.layout.receipts)/health/\(plain.envelopeSha256).ess-receipt"))
    }

    // MARK: intake receipt verify, on the real binary

    func receiptVerify(_ arguments: [String]) async throws -> CommandLineTests.IntakeRun {
        try await CommandLineTests.run(["receipt", "verify"] + arguments)
    }

    @Test func receiptVerifyChecksEverythingAndCatchesARollback() async throws {
        let dropped = try accepted()
        let test = dropped.test
        // More history after the receipt.
        let later = try dropAndProcess(test, test.cliSeal(TestHome.returnJSON(agency: "health"), agency: "health"))
        let stored = "\(test.layout.store)/\(dropped.outcome.envelopeSha256).p7m"
        // Several receipts at once: each is checked and reported; one bad one fails the whole, by name.
        let laterPath = "\(test.layout.receipts)/health/\(later.envelopeSha256).receipt"
        let both = try await receiptVerify(["--home", test.layout.root, dropped.receiptPath, laterPath])
        #expect(both.status == 0 && both.stdout.split(separator: "\n").filter { $0.hasPrefix("ok: ") }.count == 2, "\(both)")
        let withBad = try await receiptVerify(["--home", test.layout.root, dropped.receiptPath, test.layout.settings])
        #expect(withBad.status == 1 && withBad.stdout.hasPrefix("ok: ") && withBad.stderr.contains(test.layout.settings), "\(withBad)")

        let ok = try await receiptVerify(["--home", test.layout.root, "--envelope", stored, dropped.receiptPath])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.contains("consistent with the ledger"), "\(ok)")
        let keysOnly = try await receiptVerify(["--cert", test.layout.receiptCertificate, "--vkey", test.layout.ledgerVerifierKey,
                                                dropped.receiptPath])
        #expect(keysOnly.status == 0, "\(keysOnly)")

        let wrongFile = try await receiptVerify(["--home", test.layout.root, "--envelope", test.layout.settings, dropped.receiptPath])
        #expect(wrongFile.status == 1 && wrongFile.stderr.contains("envelope-mismatch"), "\(wrongFile)")

        // Roll the ledger back to before the receipt's checkpoint: caught.
        let receiptTree = try #require(Receipt.parse(try SignedDataVerifier.verify(
            DurableFile.read(dropped.receiptPath), trusting: [Certificate(pem: DurableFile.read(test.layout.receiptCertificate))],
            at: SystemClock.now().secondsSinceEpoch).get())).treeSize
        try Self.truncate(test, to: receiptTree - 1)
        let rolledBack = try await receiptVerify(["--home", test.layout.root, dropped.receiptPath])
        #expect(rolledBack.status == 1 && rolledBack.stderr.contains("rolled-back"), "\(rolledBack)")
        // Without the home, the receipt alone still verifies: it is the agency's evidence.
        let alone = try await receiptVerify(["--cert", test.layout.receiptCertificate, "--vkey", test.layout.ledgerVerifierKey,
                                             dropped.receiptPath])
        #expect(alone.status == 0, "\(alone)")
    }

    @Test func receiptVerifyCatchesAFork() async throws {
        let dropped = try accepted()
        let test = dropped.test
        let size = try test.home.ledger.treeSize()
        // Rewrite history: drop the receipt's entry and everything after it, then record
        // something else in its place (the ledger key is the admin's: the new tree is signed).
        try Self.truncate(test, to: dropped.outcome.ledgerIndex)
        let reopened = try Home(test.layout)
        for _ in 0..<(size - dropped.outcome.ledgerIndex + 1) {
            _ = try Pipeline(home: reopened, clock: SystemClock.now).process(Array("filler".utf8), channel: "ingest")
        }
        let forked = try await receiptVerify(["--home", test.layout.root, dropped.receiptPath])
        #expect(forked.status == 1, "\(forked)")
        #expect(forked.stderr.contains("entry-mismatch") || forked.stderr.contains("inconsistent"), "\(forked)")
    }

    /// Deletes every entry, node, checkpoint and table row from `size` on (triggers dropped).
    static func truncate(_ test: TestHome, to size: Int) throws {
        try tamperWithLedger(test.layout) { db in
            try db.execute(sql: "DELETE FROM log_entry WHERE idx >= ?", arguments: [size])
            try db.execute(sql: "DELETE FROM log_node WHERE ((idx + 1) << level) > ?", arguments: [size])
            try db.execute(sql: "DELETE FROM checkpoint WHERE tree_size > ?", arguments: [size])
            for table in ["submission", "case_milestone", "case_agency", "agency_certificate", "agency", "case_file"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE ledger_index >= ?", arguments: [size])
            }
        }
    }
}
