import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// The intake socket over real Unix sockets in temporary homes (DESIGN §6, issue 4).
@Suite struct SocketTests {
    let pki = sharedPKI

    @Test func submissionRoundTripDuplicateStatusHealthAndMetrics() async throws {
        let test = try TestHome(pki: pki)
        let socket = try await RunningSocket(test)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")

        let created = try socket.submit(envelope)
        #expect(created.status == 201)
        #expect(created.headers["content-type"] == "application/json")
        let json = try #require(created.json)
        #expect(json["status"]?.stringValue == "accepted")
        #expect(json["envelopeSha256"]?.stringValue == SHA256.hex(envelope))
        #expect(json["caseRef"]?.stringValue == TestHome.caseRef && json["agencyId"]?.stringValue == "police")
        let index = try #require(json["ledgerIndex"]?.intValue)
        // The receipt: CMS SignedData by receipt.crt that stock openssl accepts, naming the entry.
        let receiptDER = try #require(Base64.decode(json["receipt"]?.stringValue ?? ""))
        let name = "socket-receipt-\(UUID().uuidString)"
        try Data(receiptDER).write(to: pki.url("\(name).der"))
        try FileManager.default.copyItem(atPath: test.layout.receiptCertificate, toPath: pki.url("\(name).crt").path)
        let content = try pki.run(["cms", "-verify", "-inform", "DER", "-in", "\(name).der", "-CAfile", "\(name).crt"])
        let receipt = try #require(Receipt.parse([UInt8](content)))
        #expect(receipt.index == index && receipt.envelopeSha256 == SHA256.hex(envelope) && receipt.status == .accepted)
        #expect(FileManager.default.fileExists(atPath: "\(test.layout.store)/\(SHA256.hex(envelope)).p7m"))

        // The same content again, in a fresh envelope: 200 with the original acceptance's receipt.
        let again = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        let duplicate = try socket.submit(again)
        #expect(duplicate.status == 200)
        let duplicateJSON = try #require(duplicate.json)
        #expect(duplicateJSON["status"]?.stringValue == "duplicate")
        #expect(duplicateJSON["duplicateOf"]?.intValue == index)
        #expect(try #require(duplicateJSON["ledgerIndex"]?.intValue) > index)
        let original = try #require(Base64.decode(duplicateJSON["receipt"]?.stringValue ?? ""))
        let receiptCertificate = try Certificate(pem: [UInt8](Data(contentsOf: URL(fileURLWithPath: test.layout.receiptCertificate))))
        let originalContent = try SignedDataVerifier.verify(original, trusting: [receiptCertificate],
                                                            at: SystemClock.now().secondsSinceEpoch).get()
        #expect(Receipt.parse(originalContent)?.index == index)
        #expect(Receipt.parse(originalContent)?.envelopeSha256 == SHA256.hex(envelope))

        // Readiness: the JSON of `intake status REF --json`.
        let status = try socket.request("GET", "/v1/cases/\(TestHome.caseRef)")
        #expect(status.status == 200)
        let statusJSON = try #require(status.json)
        #expect(statusJSON["caseRef"]?.stringValue == TestHome.caseRef)
        let police = statusJSON["agencies"]?.arrayValue?.first { $0["agencyId"]?.stringValue == "police" }
        #expect(police?["status"]?.stringValue == "complete")
        #expect(try socket.request("GET", "/v1/cases/RR-2026-999").status == 404)

        let health = try socket.request("GET", "/healthz")
        #expect(health.status == 200 && health.json?["status"]?.stringValue == "ok")
        let metrics = try socket.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains(#"intake_submissions_total{channel="socket",outcome="accepted",reason=""} 1"#))
        #expect(metrics.text.contains(#"intake_submissions_total{channel="socket",outcome="duplicate",reason=""} 1"#))
        #expect(metrics.text.contains("intake_ledger_size \(Double(try test.home.ledger.treeSize()))"))
        #expect(metrics.text.contains(#"intake_cases{state="awaiting-returns"} 1.0"#))
        #expect(metrics.text.contains("intake_pipeline_duration_seconds_count{channel=\"socket\"} 2"))
        #expect(!metrics.text.contains(TestHome.caseRef) && !metrics.text.contains("police"))
        try await socket.stop()
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }

    /// Every reason code the socket can meet, each from a stock-openssl envelope, answered with
    /// its documented status and `{"error", "message"}`, and quarantined with a ledger event.
    @Test(arguments: [
        ReasonCode.malformed, .notForUs, .decryptFailed, .weakCrypto, .badSignature, .untrustedSigner, .certExpired,
        .unknownSigner, .wrongAgency, .unknownCase, .caseClosed, .agencyNotExpected, .invalidReturn,
    ])
    func everyReasonCodeOverHTTP(reason: ReasonCode) async throws {
        let police = TestHome.returnJSON(agency: "police")
        let test: TestHome
        var clock: @Sendable () -> UTCInstant = SystemClock.now
        let envelope: [UInt8]
        switch reason {
        case .malformed:
            test = try TestHome(pki: pki)
            envelope = Array("not an envelope".utf8)
        case .notForUs:
            test = try TestHome(pki: pki)
            envelope = try pki.cliSeal(police, agency: "police", to: .ec)
        case .decryptFailed:
            test = try TestHome(pki: pki)
            var sealed = try test.cliSeal(police, agency: "police")
            sealed[sealed.count - 20] ^= 0x80
            envelope = sealed
        case .weakCrypto:
            test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "allow_cbc = true", with: "allow_cbc = false") }
            envelope = try test.cliSeal(police, agency: "police", cipher: "-aes-256-cbc")
        case .badSignature:
            test = try TestHome(pki: pki)
            var signed = try pki.cliSign(police, agency: "police")
            let at = try #require(signed.firstRange(of: Array("Test event".utf8)))
            signed.replaceSubrange(at, with: Array("Best event".utf8))
            envelope = try [UInt8](pki.run(["cms", "-encrypt", "-binary", "-aes-256-gcm", "-recip", test.intakeCertificateName,
                                            "-outform", "DER"], input: Data(signed)))
        case .untrustedSigner:
            test = try TestHome(pki: pki)
            envelope = try test.cliSeal(police, agency: "rogue")
        case .certExpired:
            test = try TestHome(pki: pki)
            envelope = try test.cliSeal(police, agency: "police")
            clock = { UTCInstant(secondsSinceEpoch: SystemClock.now().secondsSinceEpoch + 400 * 86_400) }
        case .unknownSigner:
            test = try TestHome(pki: pki, agencies: ["police", "health"])
            envelope = try test.cliSeal(TestHome.returnJSON(agency: "probation"), agency: "probation")
        case .wrongAgency:
            test = try TestHome(pki: pki)
            envelope = try test.cliSeal(TestHome.returnJSON(agency: "police", agencyIdInDocument: "health"), agency: "police")
        case .unknownCase:
            test = try TestHome(pki: pki)
            envelope = try test.cliSeal(TestHome.returnJSON(agency: "police", caseRef: "RR-2026-999"), agency: "police")
        case .caseClosed:
            test = try TestHome(pki: pki)
            try test.home.ledger.recordPanelNotified(ref: TestHome.caseRef, on: LocalDate("2026-12-01")!, at: SystemClock.now())
            envelope = try test.cliSeal(police, agency: "police")
        case .agencyNotExpected:
            test = try TestHome(pki: pki, agencies: ["police", "health", "probation"], openCase: false)
            try test.home.ledger.openCase(ref: TestHome.caseRef, referred: LocalDate("2026-11-23")!, agencies: ["police", "health"],
                                          at: SystemClock.now())
            envelope = try test.cliSeal(TestHome.returnJSON(agency: "probation"), agency: "probation")
        case .invalidReturn:
            test = try TestHome(pki: pki)
            let content = Array(#"{"schema":"scoping-return/v1","caseRef":"RR-2026-014","agencyId":"police","chronology":"x"}"#.utf8)
            envelope = try test.cliSeal(content, agency: "police")
        default:
            Issue.record("no fixture for \(reason)")
            return
        }
        let socket = try await RunningSocket(test, clock: clock)
        let response = try socket.submit(envelope)
        try await socket.stop()
        #expect(response.status == Self.expectedStatus[reason], "\(reason): \(response.text)")
        #expect(response.json?["error"]?.stringValue == reason.rawValue, "\(response.text)")
        #expect(response.json?["message"]?.stringValue?.isEmpty == false)
        let sha = SHA256.hex(envelope)
        #expect(response.json?["envelopeSha256"]?.stringValue == sha)
        #expect(FileManager.default.fileExists(atPath: "\(test.layout.quarantine)/\(sha).p7m"))
        #expect(FileManager.default.fileExists(atPath: "\(test.layout.quarantine)/\(sha).json"))
        let index = try #require(response.json?["ledgerIndex"]?.intValue)
        let entry = try #require(try test.home.ledger.entry(at: index))
        let event = try #require(LedgerEvent.parse(entry: entry))
        #expect(event.kind == .submissionRejected && event["reason"]?.stringValue == reason.rawValue)
        #expect(event["channel"]?.stringValue == "socket")
    }

    static let expectedStatus: [ReasonCode: Int] = [
        .malformed: 400, .notForUs: 422, .decryptFailed: 422, .weakCrypto: 422, .badSignature: 422, .untrustedSigner: 403,
        .certExpired: 403, .unknownSigner: 403, .wrongAgency: 403, .unknownCase: 422, .caseClosed: 409,
        .agencyNotExpected: 409, .invalidReturn: 422, .tooLarge: 413,
    ]

    /// A declared length over the limit is answered 413 before a byte of the body is sent:
    /// nothing is buffered, nothing recorded (the bytes never reached the daemon).
    @Test func declaredTooLargeIsRefusedBeforeTheBody() async throws {
        let test = try TestHome(pki: pki)
        let socket = try await RunningSocket(test)
        let size = try test.home.ledger.treeSize()
        let connection = try HTTPTestConnection(unix: socket.socketPath)
        connection.sendRequest("POST", "/v1/submissions", headers: [("Content-Length", "\(1 << 40)")])
        let response = try #require(connection.readResponse(timeout: 5))
        #expect(response.status == 413)
        #expect(response.json?["error"]?.stringValue == "too-large")
        #expect(response.headers["connection"] == "close")
        #expect(connection.isClosed(within: 5))
        #expect(try test.home.ledger.treeSize() == size)
        try await socket.stop()
    }

    /// A chunked body is refused the moment it passes the limit, long before it ends.
    @Test func chunkedBodyOverTheLimitIsCutShort() async throws {
        let test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 100000") }
        let socket = try await RunningSocket(test)
        let connection = try HTTPTestConnection(unix: socket.socketPath)
        connection.sendRequest("POST", "/v1/submissions", headers: [("Transfer-Encoding", "chunked")])
        let chunk = Array("4000\r\n".utf8) + [UInt8](repeating: 0x41, count: 0x4000) + Array("\r\n".utf8)
        var sent = 0
        var response: HTTPTestResponse?
        while sent < 64 << 20 {
            guard connection.send(chunk) else { break }
            sent += 0x4000
            if connection.isReadable(timeout: 0) { response = connection.readResponse(timeout: 5); break }
        }
        if response == nil { response = connection.readResponse(timeout: 5) }
        #expect(response?.status == 413)
        #expect(response?.json?["error"]?.stringValue == "too-large")
        #expect(sent < 8 << 20, "the server read \(sent) bytes before refusing")
        try await socket.stop()
    }

    /// Issue 12, item 14: a chunk whose size line alone is over the limit is refused when the
    /// line arrives, before any of its data.
    @Test func aChunkDeclaredOverTheLimitIsRefusedAtOnce() async throws {
        let test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 100000") }
        let socket = try await RunningSocket(test)
        for size in ["FFFFFFFFFFFFFFFF", "186A1", "FFFFFFFFFFFFFFFFFFFF"] {  // 2^64 - 1, the limit + 1, past 2^64
            let connection = try HTTPTestConnection(unix: socket.socketPath)
            connection.sendRequest("POST", "/v1/submissions", headers: [("Transfer-Encoding", "chunked")])
            connection.send("\(size)\r\nabc")
            let response = connection.readResponse(timeout: 3)
            #expect(response?.status == 413, "\(size): \(String(describing: response))")
            #expect(response?.json?["error"]?.stringValue == "too-large")
        }
        // Chunks that stay within it are taken as before.
        let connection = try HTTPTestConnection(unix: socket.socketPath)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        connection.sendRequest("POST", "/v1/submissions", headers: [("Transfer-Encoding", "chunked")])
        connection.send(Array((String(envelope.count, radix: 16) + "\r\n").utf8) + envelope + Array("\r\n0\r\n\r\n".utf8))
        #expect(connection.readResponse(timeout: 10)?.status == 201)
        try await socket.stop()
    }

    /// Issue 12, item 14: `Expect: 100-continue` gets 100 once the request is admitted, then the
    /// answer; one over the limit gets 413 instead of 100.
    @Test func expectContinueIsAnswered() async throws {
        let test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 100000") }
        let socket = try await RunningSocket(test)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        let connection = try HTTPTestConnection(unix: socket.socketPath)
        connection.sendRequest("POST", "/v1/submissions", headers: [("Expect", "100-continue"), ("Content-Length", "\(envelope.count)")])
        #expect(connection.readResponse(timeout: 5)?.status == 100)
        connection.send(envelope)
        #expect(connection.readResponse(timeout: 10)?.status == 201)
        let big = try HTTPTestConnection(unix: socket.socketPath)
        big.sendRequest("POST", "/v1/submissions", headers: [("Expect", "100-continue"), ("Content-Length", "200000")])
        #expect(big.readResponse(timeout: 5)?.status == 413)
        try await socket.stop()
    }

    @Test func slowClientsAreTimedOutAndIdleConnectionsClosed() async throws {
        let test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "request_timeout = 30", with: "request_timeout = 1") }
        let socket = try await RunningSocket(test)
        // Slow loris: half a head, then nothing (issue 12, item 14: answered 408, then closed).
        let slow = try HTTPTestConnection(unix: socket.socketPath)
        slow.send("POST /v1/submissions HTTP/1.1\r\nHost: intake\r\nContent-Len")
        // A body that stops half-way.
        let stalled = try HTTPTestConnection(unix: socket.socketPath)
        stalled.sendRequest("POST", "/v1/submissions", headers: [("Content-Length", "1000")])
        stalled.send([UInt8](repeating: 1, count: 10))
        let idle = try HTTPTestConnection(unix: socket.socketPath)
        #expect(slow.readResponse(timeout: 5)?.status == 408, "a head begun and not finished gets 408")
        #expect(slow.isClosed(within: 5))
        let timedOut = try #require(stalled.readResponse(timeout: 5))
        #expect(timedOut.status == 408)
        #expect(stalled.isClosed(within: 5))
        #expect(idle.isClosed(within: 5))
        try await socket.stop()
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        let test = try TestHome(pki: pki)
        let socket = try await RunningSocket(test)
        let connection = try HTTPTestConnection(unix: socket.socketPath)
        for _ in 0..<3 {
            connection.sendRequest("GET", "/healthz")
            #expect(connection.readResponse(timeout: 5)?.status == 200)
        }
        connection.sendRequest("POST", "/v1/submissions", body: Array("junk".utf8))
        #expect(connection.readResponse(timeout: 10)?.status == 400)
        connection.sendRequest("GET", "/nowhere")
        #expect(connection.readResponse(timeout: 5)?.status == 404)
        connection.sendRequest("PUT", "/v1/submissions", body: [1])
        let wrongMethod = try #require(connection.readResponse(timeout: 5))
        #expect(wrongMethod.status == 405 && wrongMethod.headers["allow"] == "POST")
        try await socket.stop()
    }

    /// A peer over its request rate is refused 429 unread; a peer whose submissions keep being
    /// rejected is cut off before it fills the ledger, and the refusals are counted.
    @Test func rateAndRejectionLimits() async throws {
        let test = try TestHome(pki: pki) {
            $0.replacingOccurrences(of: "rate = 20", with: "rate = 1").replacingOccurrences(of: "burst = 40", with: "burst = 3")
        }
        let socket = try await RunningSocket(test)
        let statuses = try (0..<5).map { _ in try socket.request("GET", "/healthz").status }
        #expect(statuses.prefix(3).allSatisfy { $0 == 200 })
        let limited = try socket.request("GET", "/healthz")
        #expect(limited.status == 429 && limited.json?["error"]?.stringValue == "rate-limited")
        #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
        try await socket.stop()

        let flooded = try TestHome(pki: pki) { $0.replacingOccurrences(of: "rejections_per_hour = 120", with: "rejections_per_hour = 2") }
        let floodSocket = try await RunningSocket(flooded)
        let before = try flooded.home.ledger.treeSize()
        var answers: [Int] = []
        for attempt in 0..<6 { answers.append(try floodSocket.submit(Array("junk \(attempt)".utf8)).status) }
        #expect(answers == [400, 400, 429, 429, 429, 429])
        #expect(try flooded.home.ledger.treeSize() == before + 2)
        let metrics = try floodSocket.request("GET", "/metrics").text
        #expect(metrics.contains(#"intake_http_refused_total{cause="rejection-limited"} 4"#))
        try await floodSocket.stop()
    }

    /// Bodies held in memory are bounded across connections: a request that would exceed
    /// `max_body_memory` is answered 503 before its body is read.
    @Test func bodyMemoryBudgetIsEnforced() async throws {
        let test = try TestHome(pki: pki) { $0.replacingOccurrences(of: "max_body_memory = 268435456", with: "max_body_memory = 1048576") }
        let socket = try await RunningSocket(test)
        let connection = try HTTPTestConnection(unix: socket.socketPath)
        connection.sendRequest("POST", "/v1/submissions", headers: [("Content-Length", "\(2 << 20)")])
        let response = try #require(connection.readResponse(timeout: 5))
        #expect(response.status == 503 && response.json?["error"]?.stringValue == "busy")
        #expect(response.headers["retry-after"] == "1")
        try await socket.stop()
    }

    /// Graceful shutdown with submissions in flight: each one the daemon had taken is answered,
    /// the answers match the ledger exactly, the home audits clean, and the socket is gone.
    @Test func gracefulShutdownFinishesRequestsInFlight() async throws {
        // Eight agencies, one return each: one agency's versions sent at once could arrive out
        // of the order they were signed, and an earlier one after a later one is refused.
        let agencies = ["police", "health", "education", "probation", "school", "housing", "nhs", "youth"]
        let test = try TestHome(pki: pki, agencies: agencies)
        let socket = try await RunningSocket(test)
        let envelopes = try agencies.enumerated().map { version, agency in
            try test.cliSeal(TestHome.returnJSON(agency: agency, note: "v\(version)"), agency: agency)
        }
        let connections = try envelopes.map { _ in try HTTPTestConnection(unix: socket.socketPath) }
        for (connection, envelope) in zip(connections, envelopes) {
            connection.sendRequest("POST", "/v1/submissions", body: envelope)
        }
        let stopping = Task { try await socket.stop() }
        var answered = 0
        for connection in connections {
            if let response = connection.readResponse(timeout: 60) {
                #expect([200, 201].contains(response.status), "\(response.text)")
                answered += 1
            }
        }
        try await stopping.value
        // Once the service has stopped, no connection is left open.
        for connection in connections { #expect(connection.isClosed(within: 5)) }
        // A request the daemon had taken is answered; one still in the listen backlog when the
        // listener closed is refused by the kernel, unanswered and unrecorded. None is half-done.
        let accepted = try (0..<(test.home.ledger.treeSize())).compactMap { index -> LedgerEvent? in
            LedgerEvent.parse(entry: try test.home.ledger.entry(at: index)!)
        }.filter { $0.kind == .submissionAccepted }
        #expect(accepted.count == answered, "\(accepted.count) recorded, \(answered) answered")
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: socket.socketPath))
        #expect((try? HTTPTestConnection(unix: socket.socketPath)) == nil)
    }

    /// SIGHUP's reload swaps settings in without dropping a connection.
    @Test func reloadAppliesNewSettingsWithoutDroppingConnections() async throws {
        let test = try TestHome(pki: pki)
        let socket = try await RunningSocket(test)
        let connection = try HTTPTestConnection(unix: socket.socketPath)
        connection.sendRequest("GET", "/healthz")
        #expect(connection.readResponse(timeout: 5)?.status == 200)
        let text = try String(contentsOfFile: test.layout.settings, encoding: .utf8)
        try text.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 1000")
            .write(toFile: test.layout.settings, atomically: true, encoding: .utf8)
        #expect(try socket.runtime.reload() == [])
        #expect(socket.runtime.home.settings.policy.maxEnvelopeBytes == 1000)
        connection.sendRequest("GET", "/healthz")
        #expect(connection.readResponse(timeout: 5)?.status == 200)
        let big = try socket.request("POST", "/v1/submissions", headers: [("Content-Length", "5000")])
        #expect(big.status == 413)
        // A broken file changes nothing.
        try "partnership = \n".write(toFile: test.layout.settings, atomically: true, encoding: .utf8)
        #expect(throws: HomeError.self) { try socket.runtime.reload() }
        #expect(socket.runtime.home.settings.policy.maxEnvelopeBytes == 1000)
        // The socket's listeners and limits are fixed when it starts: each change is named.
        try text.replacingOccurrences(of: "rate = 20", with: "rate = 21").replacingOccurrences(of: "request_timeout = 30", with: "request_timeout = 31")
            .write(toFile: test.layout.settings, atomically: true, encoding: .utf8)
        #expect(try socket.runtime.reload() == ["listen.request_timeout", "listen.rate"])
        try await socket.stop()
    }
}

/// `intake submit`, the front end's command, against a running socket.
@Suite struct SubmitCommandTests {
    let pki = sharedPKI

    @Test func submitsKeepsReceiptsAndReportsRejections() async throws {
        let test = try TestHome(pki: pki)
        let socket = try await RunningSocket(test)
        let envelope = try test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("submit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("return.p7m").path, bad = directory.appendingPathComponent("junk.p7m").path
        try Data(envelope).write(to: URL(fileURLWithPath: good))
        try Data("junk".utf8).write(to: URL(fileURLWithPath: bad))

        let accepted = try await CommandLineTests.run(["submit", "--socket", socket.socketPath, "--receipts", directory.path, good])
        #expect(accepted.status == 0, "\(accepted)")
        #expect(accepted.stdout.contains("accepted case=\(TestHome.caseRef) agency=police version=1"), "\(accepted)")
        let receipt = try [UInt8](Data(contentsOf: directory.appendingPathComponent("\(SHA256.hex(envelope)).receipt")))
        let verified = try await CommandLineTests.run(["receipt", "verify", "--home", test.layout.root, "--envelope", good,
                                                       directory.appendingPathComponent("\(SHA256.hex(envelope)).receipt").path])
        #expect(verified.status == 0 && !receipt.isEmpty, "\(verified)")

        let rejected = try await CommandLineTests.run(["submit", "--socket", socket.socketPath, bad, good])
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("intake: malformed: \(bad)"), "\(rejected)")
        #expect(rejected.stdout.contains("\(good): duplicate"), "\(rejected)")
        try await socket.stop()

        let down = try await CommandLineTests.run(["submit", "--socket", socket.socketPath, good])
        #expect(down.status == 1 && down.stderr.contains("socket-unavailable"), "\(down)")
    }
}
