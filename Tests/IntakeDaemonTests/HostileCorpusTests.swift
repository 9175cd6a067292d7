import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// The committed hostile-input corpus (Fuzz/hostile/, made by scripts/make-hostile-corpus.py):
/// every input gets exactly its expected outcome, within a time and memory ceiling, and the
/// home audits clean afterwards. Returns under content/ are signed and sealed at test time
/// with stock openssl (no private key is committed).
@Suite struct HostileCorpusTests {
    let pki = sharedPKI
    static let corpus = SystemdUnitTests.repository.appendingPathComponent("Fuzz/hostile")

    struct Entry: Sendable, CustomTestStringConvertible {
        var file: String
        var kind: String
        var expect: JSONValue
        var note: String
        var testDescription: String { file }
    }

    static func entries(kind: String) -> [Entry] {
        guard let manifest = try? JSONParser.parse([UInt8](Data(contentsOf: corpus.appendingPathComponent("manifest.json")))) else { return [] }
        return (manifest["entries"]?.arrayValue ?? []).compactMap { item in
            guard let file = item["file"]?.stringValue, item["kind"]?.stringValue == kind, let expect = item["expect"] else { return nil }
            return Entry(file: file, kind: kind, expect: expect, note: item["note"]?.stringValue ?? "")
        }
    }

    /// The corpus home: a 256 KiB envelope limit, a one-second request timeout, no rate limits.
    func home() throws -> TestHome {
        try TestHome(pki: pki) {
            $0.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 262144")
                .replacingOccurrences(of: "request_timeout = 30", with: "request_timeout = 1")
                .replacingOccurrences(of: "rate = 20", with: "rate = 100000").replacingOccurrences(of: "burst = 40", with: "burst = 100000")
                .replacingOccurrences(of: "rejections_per_hour = 120", with: "rejections_per_hour = 100000")
        }
    }

    static func peakRSS() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    @Test func theCorpusHasAtLeastAHundredInputs() {
        #expect(Self.entries(kind: "raw").count + Self.entries(kind: "content").count + Self.entries(kind: "http").count >= 100)
    }

    /// Envelopes and sealed returns through the pipeline: each outcome as expected, each in
    /// under 5 seconds, and the process's peak memory up by less than 512 MB over them all.
    @Test func everyEnvelopeAndReturnGetsItsOutcome() throws {
        let test = try home()
        let pipeline = try test.pipeline()
        let before = Self.peakRSS()
        var failures: [String] = []
        for entry in Self.entries(kind: "raw") + Self.entries(kind: "content") {
            let bytes = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(entry.file)))
            let input = entry.kind == "content" ? try test.cliSeal(bytes, agency: "police") : bytes
            let started = ContinuousClock.now
            let outcome = try pipeline.process(input, channel: "drop")
            let elapsed = ContinuousClock.now - started
            let expected = entry.expect.stringValue ?? ""
            let got = outcome.status == .rejected ? outcome.reason?.rawValue ?? "?" : outcome.status.rawValue
            if got != expected { failures.append("\(entry.file): expected \(expected), got \(got) (\(outcome.message))") }
            if elapsed > .seconds(5) { failures.append("\(entry.file): took \(elapsed)") }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        let grown = Self.peakRSS() - before
        #expect(grown < 512 << 20, "peak RSS grew by \(grown / 1_000_000) MB")
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }

    /// Raw HTTP requests on the socket: each answered with its expected status (0: closed
    /// without an answer), within the one-second request timeout and a margin.
    @Test func everyRequestGetsItsStatus() async throws {
        let test = try home()
        let socket = try await RunningSocket(test)
        var failures: [String] = []
        for entry in Self.entries(kind: "http") {
            let bytes = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(entry.file)))
            let connection = try HTTPTestConnection(unix: socket.socketPath)
            connection.send(bytes)
            let expected = entry.expect.intValue ?? -1
            if expected == 0 {
                if !connection.isClosed(within: 5) { failures.append("\(entry.file): not closed") }
            } else {
                let status = connection.readResponse(timeout: 5)?.status
                if status != expected { failures.append("\(entry.file): expected \(expected), got \(status.map(String.init) ?? "no answer")") }
            }
        }
        try await socket.stop()
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(try HomeAudit.run(test.home).findings.isEmpty)
    }
}
