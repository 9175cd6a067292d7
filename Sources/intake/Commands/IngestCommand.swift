import ArgumentParser
import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Run files through the intake pipeline once (the same path as the drop directory).",
        discussion: """
        Each FILE is verified, decrypted, checked and recorded exactly as a dropped file would be: kept
        in store/ or quarantine/ and recorded in the ledger. The files themselves are left where they are.
        Prints one line per file; exits 1 if any was rejected (its reason code on stderr).
        """
    )

    @OptionGroup var home: HomeOption
    @Flag(help: "One JSON object per file instead of a line.") var json = false
    @Argument(help: "Envelopes to ingest.") var files: [String]

    func run() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file") }
        let opened = try home.open()
        let pipeline = try Failure.report { try Pipeline(home: opened, clock: SystemClock.now) }
        var rejected = 0
        for file in files {
            let outcome = try Failure.report {
                try pipeline.process(try Self.read(file, limit: opened.settings.policy.maxEnvelopeBytes),
                                     channel: "ingest", originalName: (file as NSString).lastPathComponent)
            }
            if json {
                print(CanonicalJSON.encodeString(outcome.json))
            } else {
                print("\(file): \(outcome.summary)")
            }
            if outcome.status == .rejected {
                rejected += 1
                FileHandle.standardError.write(Data("intake: \(outcome.reason?.rawValue ?? "rejected"): \(file): \(outcome.message)\n".utf8))
            }
        }
        if rejected > 0 { throw ExitCode(1) }
    }

    /// Reads a regular file, at most `limit + 1` bytes (more is enough to be too large).
    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HomeError("unreadable", "cannot read \(path)") }
        defer { try? handle.close() }
        return [UInt8](try handle.read(upToCount: limit + 1) ?? Data())
    }
}
