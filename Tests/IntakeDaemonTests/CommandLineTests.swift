import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// Runs the real `intake` executable as a child process, as an admin or an agency would, and
/// checks exit status (0 success, 1 failed check or rejected input, 64 bad usage), the one
/// line on stderr naming the reason code, and what the command leaves in the home.
@Suite struct CommandLineTests {
    /// One openssl-made PKI for the whole suite: the agency CA, agencies issued by it, and a
    /// self-signed certificate under no trust anchor.
    static let pki: TestPKI = {
        do {
            let pki = try TestPKI()
            for agency in ["cli-police", "cli-health"] { try pki.makeAgency(agency) }
            try pki.makeAgency("cli-rogue", selfSigned: true)
            try pki.makeAgency("cli-ca", extensions: "agency_sign_ca")
            return pki
        } catch {
            fatalError("cannot make the test PKI: \(error)")
        }
    }()

    static let caseRef = "RR-2026-014"

    static var intakeBinary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("intake").path
    }

    /// docs/examples/return-police.json in the repository (symbolic links resolved, for
    /// scratch packages that link to the repository's Tests/).
    static var exampleReturn: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/examples/return-police.json")
    }

    // MARK: - init

    @Test(arguments: [("ec", nil), ("rsa", "example.org/rr-intake")] as [(String, String?)])
    func initCreatesTheHomeAndRefusesToOverwriteIt(key: String, origin: String?) async throws {
        let work = try Workspace()
        var arguments = ["init", "--home", work.home, "--partnership", "Test Partnership", "--key", key]
        if let origin { arguments += ["--origin", origin] }
        let created = try await intake(arguments)
        #expect(created.status == 0, "\(created)")
        #expect(created.stdout.contains("Created intake home \(work.home)"), "\(created)")
        #expect(created.stderr.isEmpty, "\(created)")

        for directory in ["keys", "trust", "pack-recipients", "drop/tmp", "drop/new", "store", "quarantine", "receipts", "packs"] {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: work.path("home/\(directory)"), isDirectory: &isDirectory) && isDirectory.boolValue,
                    "\(directory)/ missing")
        }
        #expect(FileManager.default.fileExists(atPath: work.path("home/ledger.sqlite")))
        for name in ["intake.key", "receipt.key", "ledger.key"] {
            #expect(Self.mode(work.path("home/keys/\(name)")) == 0o600, "keys/\(name) is not 0600")
        }

        let settings = try Settings.parse(String(contentsOfFile: work.path("home/intake.toml"), encoding: .utf8))
        #expect(settings.partnership == "Test Partnership")
        #expect(settings.origin == origin ?? HomeDefaults.origin)
        #expect(settings.timescales == Settings.Timescales())

        // NAME+KEYID+BASE64, the key id computed from name and key, named by the origin.
        let vkey = try String(contentsOfFile: work.path("home/keys/ledger.vkey"), encoding: .utf8)
        #expect(vkey.hasSuffix("\n") && vkey.filter { $0 == "\n" }.count == 1)
        let fields = vkey.trimmingCharacters(in: .newlines).split(separator: "+", maxSplits: 2).map(String.init)
        #expect(fields.count == 3)
        #expect(fields.first == settings.origin)
        #expect(fields.count == 3 && fields[1].count == 8 && fields[1].allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let parsed = try NoteVerifierKey.parse(vkey.trimmingCharacters(in: .newlines))
        #expect(parsed.name == settings.origin)
        #expect(parsed.publicKey.count == 32)

        // The intake certificate is of the requested kind.
        let text = String(decoding: try Self.pki.run(["x509", "-noout", "-text", "-in", work.path("home/keys/intake.crt")]), as: UTF8.self)
        if key == "rsa" {
            #expect(text.contains("rsaEncryption") && text.contains("(3072 bit)"), "\(text)")
        } else {
            #expect(text.contains("id-ecPublicKey") && text.contains("prime256v1"), "\(text)")
        }
        // The receipt certificate is a self-signed certificate usable for S/MIME signing.
        let verified = try Subprocess.run("/usr/bin/openssl", ["verify", "-purpose", "smimesign", "-CAfile", "receipt.crt", "receipt.crt"],
                                          in: URL(fileURLWithPath: work.path("home/keys")))
        #expect(String(decoding: verified, as: UTF8.self).contains("receipt.crt: OK"))

        // A second init on the same home refuses, and changes nothing.
        let before = try Data(contentsOf: URL(fileURLWithPath: work.path("home/keys/intake.key")))
        let again = try await intake(["init", "--home", work.home, "--partnership", "Another Partnership"])
        #expect(again.status == 1, "\(again)")
        #expect(again.stderrLines.count == 1 && again.stderr.contains("home-exists"), "\(again)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: work.path("home/keys/intake.key"))) == before)
        // The same through INTAKE_HOME.
        let viaEnvironment = try await intake(["init", "--partnership", "Test Partnership"], environment: ["INTAKE_HOME": work.home])
        #expect(viaEnvironment.status == 1 && viaEnvironment.stderr.contains("home-exists"), "\(viaEnvironment)")
    }

    // MARK: - key permissions

    @Test(arguments: [
        ["serve"],
        ["ingest", "HOME/keys/intake.crt"],
        ["agency", "add", "police", "--name", "Test Police", "--cert", "PKI/cli-police.crt"],
        ["case", "open", "RR-2026-014", "--referred", "2026-11-23", "--agency", "police"],
    ])
    func readWriteCommandsRefuseAGroupReadablePrivateKey(command: [String]) async throws {
        let work = try Workspace()
        try await work.initialize()
        #expect(chmod(work.path("home/keys/intake.key"), 0o640) == 0)
        let arguments = command.map {
            $0.replacingOccurrences(of: "HOME/", with: work.home + "/").replacingOccurrences(of: "PKI/", with: Self.pki.directory.path + "/")
        }
        let refused = try await intake(arguments + ["--home", work.home], timeout: .seconds(15))
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderrLines.count == 1 && refused.stderr.contains("key-permissions"), "\(refused)")
        #expect(refused.stderr.contains("intake.key"), "\(refused)")
    }

    @Test func readOnlyCommandsDoNotNeedThePrivateKeys() async throws {
        let work = try Workspace()
        try await work.initialize()
        #expect(chmod(work.path("home/keys/intake.key"), 0o640) == 0)
        for command in [["status"], ["agency", "list"], ["case", "list"]] {
            let run = try await intake(command, environment: ["INTAKE_HOME": work.home])
            #expect(run.status == 0, "\(run)")
        }
    }

    /// Issue 12, item 14: a broken intake.toml stops the read-write commands, but `status` and
    /// `verify` warn and go on with the ledger.
    @Test func aBrokenSettingsFileDoesNotBlockTheReadOnlyCommands() async throws {
        let work = try Workspace()
        try await work.initialize()
        let settings = work.path("home/intake.toml")
        let text = try String(contentsOfFile: settings, encoding: .utf8)
        try (text + "\n[timescales]\nreturns = \"eight\"\n").write(toFile: settings, atomically: true, encoding: .utf8)
        for command in [["status"], ["verify"]] {
            let run = try await intake(command + ["--home", work.home])
            #expect(run.status == 0, "\(run)")
            #expect(run.stderr.contains("warning: bad-settings"), "\(run)")
        }
        let serve = try await intake(["serve", "--once", "--home", work.home])
        #expect(serve.status == 1 && serve.stderr.contains("bad-settings"), "\(serve)")
    }

    // MARK: - agencies

    @Test func agencyAddPinsTrustedCertificatesOnly() async throws {
        let work = try Workspace()
        try await work.initialize(agencies: [:])
        let empty = try await intake(["agency", "list", "--home", work.home])
        #expect(empty.status == 0 && empty.stdout.contains("No agencies registered"), "\(empty)")

        let added = try await intake(["agency", "add", "police", "--name", "Northshire Police", "--cert", Self.pki.url("cli-police.crt").path,
                                      "--home", work.home])
        #expect(added.status == 0, "\(added)")
        let fingerprint = try Self.pki.certificate("cli-police").fingerprint
        #expect(added.stdout.contains("agency police") && added.stdout.contains(fingerprint), "\(added)")

        let listed = try await intake(["agency", "list"], environment: ["INTAKE_HOME": work.home])
        #expect(listed.status == 0, "\(listed)")
        let row = listed.stdout.split(separator: "\n").first { $0.hasPrefix("police ") }
        #expect(row?.contains("Northshire Police") == true && row?.contains(String(fingerprint.prefix(16))) == true, "\(listed)")

        for (id, certificate, code) in [
            ("rogue", "cli-rogue", "untrusted-signer"),     // self-signed, under no anchor in trust/
            ("schools", "cli-ca", "untrusted-signer"),      // CA:TRUE and keyCertSign: it could mint agencies
            ("health", "cli-police", "certificate-pinned"), // already pinned to police
            ("Police!", "cli-health", "bad-agency-id"),
        ] {
            let refused = try await intake(["agency", "add", id, "--name", "Someone", "--cert", Self.pki.url("\(certificate).crt").path,
                                            "--home", work.home])
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderrLines.count == 1 && refused.stderr.contains(code), "\(refused)")
        }
        let after = try await intake(["agency", "list", "--home", work.home])
        #expect(after.stdout.split(separator: "\n").count == 2, "only the header and police: \(after)")
    }

    // MARK: - cases and status

    @Test func caseOpenAndStatusReportWorkingDayDeadlines() async throws {
        let work = try Workspace()
        try await work.initialize()
        let opened = try await intake(["case", "open", Self.caseRef, "--referred", "2026-11-23", "--agency", "police", "--agency", "health",
                                       "--home", work.home])
        #expect(opened.status == 0, "\(opened)")
        for date in ["2026-12-03", "2026-12-10", "2026-12-14"] {
            #expect(opened.stdout.contains(date), "\(opened)")
        }
        let again = try await intake(["case", "open", Self.caseRef, "--referred", "2026-11-23", "--agency", "police", "--home", work.home])
        #expect(again.status == 1 && again.stderr.contains("case-exists"), "\(again)")

        for (today, overdue) in [("2026-11-24", false), ("2026-12-03", false), ("2026-12-04", true)] {
            let run = try await intake(["status", Self.caseRef, "--json", "--home", work.home], environment: ["INTAKE_TODAY": today])
            #expect(run.status == 0, "\(run)")
            let status = try run.json()
            #expect(status["caseRef"]?.stringValue == Self.caseRef)
            #expect(status["referred"]?.stringValue == "2026-11-23")
            #expect(status["state"]?.stringValue == "awaiting-returns")
            #expect(status["ready"]?.boolValue == false)
            let deadlines = status["deadlines"]
            #expect(deadlines?["requests"]?.stringValue == "2026-11-25")
            #expect(deadlines?["returns"]?.stringValue == "2026-12-03")
            #expect(deadlines?["meeting"]?.stringValue == "2026-12-10")
            #expect(deadlines?["panel"]?.stringValue == "2026-12-14")
            let agencies = try #require(status["agencies"]?.arrayValue)
            #expect(Set(agencies.compactMap { $0["agencyId"]?.stringValue }) == ["police", "health"])
            for agency in agencies {
                #expect(agency["status"]?.stringValue == "awaiting")
                #expect(agency["overdue"]?.boolValue == overdue, "INTAKE_TODAY=\(today)")
                #expect(agency["receivedAt"] == .null && agency["version"] == .null && agency["envelopeSha256"] == .null)
            }
        }
        // `intake case show REF --json` is the same document.
        let show = try await intake(["case", "show", Self.caseRef, "--json", "--home", work.home], environment: ["INTAKE_TODAY": "2026-11-24"])
        let status = try await intake(["status", Self.caseRef, "--json", "--home", work.home], environment: ["INTAKE_TODAY": "2026-11-24"])
        #expect(show.status == 0 && show.stdout == status.stdout, "\(show)")

        // The board (human and JSON) lists the open case.
        let board = try await intake(["status"], environment: ["INTAKE_HOME": work.home, "INTAKE_TODAY": "2026-12-04"])
        #expect(board.status == 0, "\(board)")
        let row = board.stdout.split(separator: "\n").first { $0.hasPrefix(Self.caseRef) }
        #expect(row?.contains("0/2") == true && row?.contains("awaiting-returns") == true, "\(board)")
        let boardJSON = try await intake(["status", "--json", "--home", work.home])
        #expect(try boardJSON.json().arrayValue?.compactMap { $0["caseRef"]?.stringValue } == [Self.caseRef], "\(boardJSON)")

        let unknown = try await intake(["status", "RR-2099-001", "--home", work.home])
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.stderrLines.count == 1 && unknown.stderr.contains("unknown-case"), "\(unknown)")
        #expect(unknown.stdout.isEmpty)
    }

    // MARK: - seal and ingest

    @Test func sealedReturnsIngestAndOpenWithStockOpenSSL() async throws {
        let work = try Workspace()
        try await work.initialize()
        try await work.openCase(agencies: ["police"])
        try FileManager.default.copyItem(at: Self.exampleReturn, to: work.url("return.json"))
        let attachment = Array("Fictional chronology, for the test.\n".utf8)
        try Data(attachment).write(to: work.url("chronology.txt"))

        let sealed = try await work.seal(output: "out.p7m", attach: ["chronology.txt"])
        #expect(sealed.status == 0, "\(sealed)")
        #expect(sealed.stderr.isEmpty, "a complete return seals without a warning: \(sealed)")
        let envelope = try work.bytes("out.p7m")
        #expect(sealed.stdout.contains("envelope sha256 \(SHA256.hex(envelope))"), "\(sealed)")
        let contentSha256 = try #require(sealed.stdout.components(separatedBy: "content sha256 ").last?.trimmingCharacters(in: .whitespacesAndNewlines))

        let ingested = try await intake(["ingest", work.path("out.p7m"), "--home", work.home])
        #expect(ingested.status == 0, "\(ingested)")
        #expect(ingested.stdout.contains(": accepted case=\(Self.caseRef) agency=police version=1 "), "\(ingested)")
        #expect(FileManager.default.fileExists(atPath: work.path("out.p7m")), "ingest leaves its input in place")
        #expect(try work.bytes("home/store/\(SHA256.hex(envelope)).p7m") == envelope)

        // Stock openssl opens the envelope to the JSON that `intake seal` embedded.
        _ = try Subprocess.run("/usr/bin/openssl", ["cms", "-decrypt", "-binary", "-inform", "DER", "-in", "out.p7m",
                                                    "-recip", "home/keys/intake.crt", "-inkey", "home/keys/intake.key",
                                                    "-out", "signed.der"], in: work.directory)
        _ = try Subprocess.run("/usr/bin/openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", "signed.der",
                                                    "-CAfile", Self.pki.url("ca.crt").path, "-out", "content.json"], in: work.directory)
        let content = try work.bytes("content.json")
        #expect(SHA256.hex(content) == contentSha256)
        let document = try JSONParser.parse(content)
        // The example as written, with the --attach file appended to its own attachments.
        var members = try #require(document.objectValue)
        var example = try #require(try JSONParser.parse(work.bytes("return.json")).objectValue)
        let attachments = try #require(members.removeValue(forKey: "attachments")?.arrayValue)
        let exampleAttachments = example.removeValue(forKey: "attachments")?.arrayValue ?? []
        #expect(members == example)
        #expect(attachments.count == exampleAttachments.count + 1)
        #expect(Array(attachments.dropLast()) == exampleAttachments)
        #expect(attachments.last?["name"]?.stringValue == "chronology.txt")
        #expect(attachments.last?["mediaType"]?.stringValue == "text/plain")
        #expect(attachments.last?["sha256"]?.stringValue == SHA256.hex(attachment))
        #expect(attachments.last?["dataBase64"]?.stringValue == Base64.encode(attachment))

        let status = try await intake(["status", Self.caseRef, "--json", "--home", work.home], environment: ["INTAKE_TODAY": "2026-12-04"])
        let json = try status.json()
        #expect(json["state"]?.stringValue == "ready" && json["ready"]?.boolValue == true, "\(status)")
        let police = try #require(json["agencies"]?.arrayValue?.first)
        #expect(police["status"]?.stringValue == "complete")
        #expect(police["overdue"]?.boolValue == false)
        #expect(police["version"]?.intValue == 1)
        #expect(police["envelopeSha256"]?.stringValue == SHA256.hex(envelope))
        #expect(police["receivedAt"]?.stringValue?.hasSuffix("Z") == true)

        // PEM and S/MIME encodings of the same return are accepted as duplicates.
        for (outform, name, prefix) in [("pem", "out.pem", "-----BEGIN CMS-----"), ("smime", "out.smime", "MIME-Version: 1.0")] {
            let other = try await work.seal(output: name, attach: ["chronology.txt"], extra: ["--outform", outform])
            #expect(other.status == 0, "\(other)")
            #expect(String(decoding: try work.bytes(name), as: UTF8.self).hasPrefix(prefix))
            let again = try await intake(["ingest", work.path(name)], environment: ["INTAKE_HOME": work.home])
            #expect(again.status == 0, "\(again)")
            #expect(again.stdout.contains(": duplicate case=\(Self.caseRef) agency=police version=1 "), "\(again)")
        }

        // Issue 13, item 8: sealing to a certificate that is not for encryption (receipt.crt) is refused.
        let wrongRecipient = try await work.seal(output: "wrong.p7m", extra: ["--to", work.path("home/keys/receipt.crt")])
        #expect(wrongRecipient.status == 1 && wrongRecipient.stderr.contains("not-an-encryption-certificate"), "\(wrongRecipient)")
        #expect(!FileManager.default.fileExists(atPath: work.path("wrong.p7m")))

        // --case or --agency contradicting the return is refused, and nothing is written.
        for extra in [["--case", "RR-2026-099"], ["--agency", "health"]] {
            let contradicted = try await work.seal(output: "bad.p7m", extra: extra)
            #expect(contradicted.status == 1, "\(contradicted)")
            #expect(contradicted.stderrLines.count == 1 && contradicted.stderr.contains("invalid-return"), "\(contradicted)")
            #expect(!FileManager.default.fileExists(atPath: work.path("bad.p7m")))
        }
    }

    @Test func ingestQuarantinesGarbageAndLeavesTheInputInPlace() async throws {
        let work = try Workspace()
        try await work.initialize()
        let garbage = Array("this is not a CMS envelope\n".utf8)
        try Data(garbage).write(to: work.url("garbage.p7m"))
        let run = try await intake(["ingest", work.path("garbage.p7m"), "--home", work.home])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderrLines.count == 1 && run.stderr.contains("malformed"), "\(run)")
        #expect(run.stdout.contains("rejected reason=malformed"), "\(run)")
        #expect(try work.bytes("garbage.p7m") == garbage, "ingest never removes or changes its input")
        let sha256 = SHA256.hex(garbage)
        #expect(try work.bytes("home/quarantine/\(sha256).p7m") == garbage)
        let record = try JSONParser.parse(work.bytes("home/quarantine/\(sha256).json"))
        #expect(record["reason"]?.stringValue == "malformed")
        #expect(record["originalName"]?.stringValue == "garbage.p7m")
    }

    /// Issue 13, item 10: `serve --once` (a cron job's run) raises the day's deadline alerts,
    /// as the daemon does at start. The case's returns were due on 3 December 2026.
    @Test func serveOnceRaisesTheDaysAlerts() async throws {
        let work = try Workspace()
        try await work.initialize()
        try await work.openCase(agencies: ["police"])
        let once = try await intake(["serve", "--once", "--home", work.home])
        #expect(once.status == 0, "\(once)")
        let home = try Home(HomeLayout(root: work.home), readOnly: true)
        let today = SystemClock.now().londonDate
        let alerts = try home.ledger.raisedAlerts()
        if home.calendar.isWorkingDay(today) {
            #expect(alerts.contains { $0.kind == .returnOverdue && $0.agencyId == "police" }, "\(alerts) \(once.stderr)")
            #expect(once.stderr.contains("msg=deadline"), "\(once)")
        } else {
            #expect(alerts.isEmpty, "alerts wait for a working day")
        }
    }

    /// Issue 13, item 7: a return ingested by an admin (it came by e-mail) gets the receipt a
    /// dropped one gets, in receipts/AGENCY/, and with --receipts DIR a copy to pass on; both
    /// verify against the home.
    @Test func ingestWritesTheAgencysReceipt() async throws {
        let work = try Workspace()
        try await work.initialize()
        try await work.openCase(agencies: ["police"])
        try Data(TestHome.returnJSON(agency: "police", caseRef: Self.caseRef)).write(to: work.url("return.json"))
        let sealed = try await work.seal(output: "mailed.p7m")
        #expect(sealed.status == 0, "\(sealed)")
        let run = try await intake(["ingest", "--receipts", work.path("to-send"), "--home", work.home, work.path("mailed.p7m")])
        #expect(run.status == 0, "\(run)")
        let sha256 = SHA256.hex(try work.bytes("mailed.p7m"))
        for path in [work.path("home/receipts/police/\(sha256).receipt"), work.path("to-send/\(sha256).receipt")] {
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
            let verified = try await intake(["receipt", "verify", "--home", work.home, "--envelope", work.path("mailed.p7m"), path])
            #expect(verified.status == 0, "\(verified)")
        }
        // A rejection gets none.
        try Data("junk".utf8).write(to: work.url("junk.p7m"))
        _ = try await intake(["ingest", "--receipts", work.path("to-send"), "--home", work.home, work.path("junk.p7m")])
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path("to-send")) == ["\(sha256).receipt"])
    }

    /// A directory or a FIFO named to ingest is reported as not-a-regular-file (never
    /// blocking on the FIFO) and not recorded; a file over the limit keeps its first
    /// max_envelope_bytes in quarantine; the other files in the same run are still ingested.
    @Test func ingestReportsNonRegularPathsAndKeepsTheStartOfOversizedFiles() async throws {
        let work = try Workspace()
        try await work.initialize()
        let settings = work.path("home/intake.toml")
        let text = try String(contentsOfFile: settings, encoding: .utf8)
        try text.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 1000")
            .write(toFile: settings, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: work.path("folder"), withIntermediateDirectories: true)
        #expect(mkfifo(work.path("pipe"), 0o600) == 0)
        let big = [UInt8](repeating: 0x42, count: 5000)
        try Data(big).write(to: work.url("big.p7m"))
        try Data("junk".utf8).write(to: work.url("junk.p7m"))
        let run = try await intake(["ingest", "--home", work.home, work.path("folder"), work.path("pipe"),
                                    work.path("big.p7m"), work.path("junk.p7m")], timeout: .seconds(20))
        #expect(!run.signalled, "\(run)")
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.components(separatedBy: "not-a-regular-file").count == 3, "\(run)")
        #expect(run.stdout.contains("big.p7m: rejected reason=too-large"), "\(run)")
        #expect(run.stdout.contains("junk.p7m: rejected reason=malformed"), "\(run)")
        #expect(try work.bytes("home/quarantine/\(SHA256.hex(big)).p7m") == Array(big.prefix(1000)), "its first max_envelope_bytes kept")
        #expect(try work.bytes("big.p7m") == big, "the input is left as it was")
    }

    @Test func meetingAndNotificationCloseTheCase() async throws {
        let work = try Workspace()
        try await work.initialize()
        try await work.openCase(agencies: ["police"])
        try FileManager.default.copyItem(at: Self.exampleReturn, to: work.url("return.json"))

        let badDecision = try await intake(["case", "meeting", Self.caseRef, "--held", "2026-12-09", "--decision", "maybe", "--home", work.home])
        #expect(badDecision.status == 64, "\(badDecision)")
        let meeting = try await intake(["case", "meeting", Self.caseRef, "--held", "2026-12-09", "--decision", "local-review", "--home", work.home])
        #expect(meeting.status == 0, "\(meeting)")
        #expect(meeting.stdout.contains("meeting held 2026-12-09") && meeting.stdout.contains("local-review"), "\(meeting)")
        let notified = try await intake(["case", "notified", Self.caseRef, "--on", "2026-12-10", "--home", work.home])
        #expect(notified.status == 0, "\(notified)")
        #expect(notified.stdout.contains("Panel notified 2026-12-10"), "\(notified)")

        let status = try await intake(["status", Self.caseRef, "--json", "--home", work.home]).json()
        #expect(status["state"]?.stringValue == "panel-notified")
        #expect(status["meeting"]?["held"]?.stringValue == "2026-12-09")
        #expect(status["meeting"]?["decision"]?.stringValue == "local-review")
        #expect(status["panelNotified"]?.stringValue == "2026-12-10")
        // A closed case leaves the board of open cases but stays in `case list`.
        let board = try await intake(["status", "--home", work.home])
        #expect(board.status == 0 && !board.stdout.contains(Self.caseRef), "\(board)")
        let list = try await intake(["case", "list", "--home", work.home])
        #expect(list.status == 0 && list.stdout.contains(Self.caseRef), "\(list)")

        let sealed = try await work.seal(output: "late.p7m")
        #expect(sealed.status == 0, "\(sealed)")
        let late = try await intake(["ingest", work.path("late.p7m"), "--home", work.home])
        #expect(late.status == 1, "\(late)")
        #expect(late.stderrLines.count == 1 && late.stderr.contains("case-closed"), "\(late)")
        let envelope = try work.bytes("late.p7m")
        #expect(FileManager.default.fileExists(atPath: work.path("home/quarantine/\(SHA256.hex(envelope)).p7m")))
    }

    // MARK: - usage and help

    @Test(arguments: [
        ["case", "open", "RR-2026-014", "--agency", "police"],  // no --referred
        ["case", "open", "RR-2026-014", "--referred", "23/11/2026", "--agency", "police"],
        ["status", "--bogus"],
        ["init", "--partnership", "P", "--key", "dsa"],
        ["seal", "--case", "RR-2026-014"],
        ["ingest"],
        ["frobnicate"],
    ])
    func badUsageExits64(arguments: [String]) async throws {
        let work = try Workspace()
        let run = try await intake(arguments + ["--home", work.home])
        #expect(run.status == 64, "\(run)")
        #expect(!run.stderr.isEmpty, "\(run)")
        #expect(!FileManager.default.fileExists(atPath: work.home), "bad usage touches nothing")
    }

    @Test(arguments: [
        (["--help"], ["init", "serve", "demo", "agency", "case", "status", "seal", "ingest"]),
        (["demo", "--help"], ["USAGE: intake demo", "--keep"]),
        (["case", "--help"], ["open", "list", "show", "meeting", "notified"]),
        (["agency", "--help"], ["add", "list"]),
        (["seal", "--help"], ["--case", "--agency", "--cert", "--key", "--to", "--attach", "--outform"]),
    ])
    func helpListsTheSubcommands(arguments: [String], expected: [String]) async throws {
        let run = try await intake(arguments)
        #expect(run.status == 0, "\(run)")
        for word in expected {
            #expect(run.stdout.contains(word), "`intake \(arguments.joined(separator: " "))` does not mention \(word)")
        }
    }

    // MARK: - demo

    @Test(.timeLimit(.minutes(1)))
    func demoRunsEndToEndAndLeavesNothingBehind() async throws {
        let work = try Workspace()
        let temporary = work.path("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let before = try FileManager.default.contentsOfDirectory(atPath: temporary)
        let marker = UUID().uuidString
        let run = try await intake(["demo"], environment: ["TMPDIR": temporary, "INTAKE_CLI_TEST_MARKER": marker], timeout: .seconds(45))
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("READY"), "\(run)")
        #expect(run.stdout.contains("quarantine"), "\(run)")
        #expect(run.stdout.contains("home \(temporary)/intake-demo-"), "the demo home is in the temporary directory: \(run)")
        let after = try FileManager.default.contentsOfDirectory(atPath: temporary)
        #expect(after.filter { $0.hasPrefix("intake-demo-") }.isEmpty, "\(after)")
        #expect(Set(after) == Set(before))
        #expect(Self.processes(withEnvironment: "INTAKE_CLI_TEST_MARKER=\(marker)").isEmpty, "the demo left a process running")
    }
}

// MARK: - Running `intake`

extension CommandLineTests {
    /// What one run of `intake` did.
    struct IntakeRun: CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let signalled: Bool
        let stdout: String
        let stderr: String

        var stderrLines: [Substring] { stderr.split(separator: "\n") }

        func json() throws -> JSONValue { try JSONParser.parse(Array(stdout.utf8)) }

        var description: String {
            "intake \(arguments.joined(separator: " ")) → \(signalled ? "signal" : "exit") \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
        }
    }

    /// Runs the built `intake` with `arguments`, stdin from /dev/null and stdout and stderr into
    /// temporary files (no pipes). `INTAKE_HOME` and `INTAKE_TODAY` come only from `environment`.
    /// A run that outlives `timeout` is killed, and reported as signalled.
    static func run(_ arguments: [String], environment extra: [String: String] = [:],
                    timeout: Duration = .seconds(30)) async throws -> IntakeRun {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("intake-cli-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        var environment = ProcessInfo.processInfo.environment
        environment["INTAKE_HOME"] = nil
        environment["INTAKE_TODAY"] = nil
        environment.merge(extra) { $1 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.intakeBinary)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return IntakeRun(arguments: arguments, status: process.terminationStatus,
                         signalled: process.terminationReason == .uncaughtSignal,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    func intake(_ arguments: [String], environment: [String: String] = [:],
                timeout: Duration = .seconds(30)) async throws -> IntakeRun {
        try await Self.run(arguments, environment: environment, timeout: timeout)
    }

    /// A temporary directory for one test, with the home at `home/` (made by `initialize`).
    final class Workspace {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("intake-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        var home: String { path("home") }
        func url(_ relative: String) -> URL { directory.appendingPathComponent(relative) }
        func path(_ relative: String) -> String { url(relative).path }
        func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(relative))) }

        /// `intake init`, the test CA into trust/, then `intake agency add` for each agency
        /// (agency id: the PKI's certificate name).
        func initialize(agencies: [String: String] = ["police": "cli-police", "health": "cli-health"]) async throws {
            let created = try await CommandLineTests.run(["init", "--home", home, "--partnership", "Test Partnership"])
            try #require(created.status == 0, "\(created)")
            try FileManager.default.copyItem(at: CommandLineTests.pki.url("ca.crt"), to: url("home/trust/agency-ca.pem"))
            for (id, certificate) in agencies.sorted(by: { $0.key < $1.key }) {
                let added = try await CommandLineTests.run(["agency", "add", id, "--name", "Test \(id)", "--cert", CommandLineTests.pki.url("\(certificate).crt").path,
                                              "--home", home])
                try #require(added.status == 0, "\(added)")
            }
        }

        func openCase(agencies: [String]) async throws {
            let opened = try await CommandLineTests.run(["case", "open", CommandLineTests.caseRef, "--referred", "2026-11-23", "--home", home]
                                          + agencies.flatMap { ["--agency", $0] })
            try #require(opened.status == 0, "\(opened)")
        }

        /// `intake seal` of return.json as police (cli-police) to this home's intake certificate.
        func seal(output: String, attach: [String] = [], extra: [String] = []) async throws -> IntakeRun {
            let pki = CommandLineTests.pki
            var arguments = ["seal", "--case", CommandLineTests.caseRef, "--agency", "police",
                             "--cert", pki.url("cli-police.crt").path, "--key", pki.url("cli-police.key").path,
                             "--to", path("home/keys/intake.crt"), path("return.json"), "-o", path(output)]
            for name in attach { arguments += ["--attach", path(name)] }
            // Later options win in swift-argument-parser for single-valued options.
            return try await CommandLineTests.run(arguments + extra)
        }
    }

    enum HomeDefaults {
        /// The origin `intake init` derives from "Test Partnership".
        static let origin = "test-partnership.intake/ledger"
    }

    /// The permission bits of `path`.
    static func mode(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o777
    }

    /// The ids of live processes whose environment holds `entry` (`NAME=VALUE`): children
    /// inherit the environment, so this finds anything a child left running.
    static func processes(withEnvironment entry: String) -> [Int32] {
        let needle = Array(entry.utf8)
        var found: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), pid != getpid() else { continue }
            let fd = open("/proc/\(pid)/environ", O_RDONLY)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                bytes += buffer[..<count]
            }
            if bytes.split(separator: 0).contains(where: { Array($0) == needle }) { found.append(pid) }
        }
        return found
    }
}
