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
        in store/ or quarantine/ and recorded in the ledger, in the order given. The files themselves are
        left where they are. A file over max_envelope_bytes keeps only its first max_envelope_bytes in
        quarantine (too-large); a path that is not a regular file is reported (not-a-regular-file) and
        not recorded. An accepted or duplicate file gets its signed receipt in receipts/AGENCY/, as a
        dropped one does, and with --receipts DIR a copy in DIR (ENVELOPE-SHA256.receipt) to pass on.
        Prints one line per file; exits 1 if any was rejected (its reason code on stderr).
        """
    )

    @OptionGroup var home: HomeOption
    @Flag(help: "One JSON object per file instead of a line.") var json = false
    @Option(help: "Also write each signed receipt to this directory (ENVELOPE-SHA256.receipt), to send to the agency.")
    var receipts: String?
    @Argument(help: "Envelopes to ingest.") var files: [String]

    func run() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file") }
        let opened = try home.open()
        try Failure.report { try opened.ledger.requireIndexTablesAgree() }
        let pipeline = try Failure.report { try Pipeline(home: opened, clock: SystemClock.now) }
        EnvelopeStore(layout: opened.layout).sweepTemporaries()
        let issuer = try Failure.report { try ReceiptIssuer(home: opened) }
        if let receipts, mkdir(receipts, 0o750) != 0 && errno != EEXIST {
            throw Failure.exit("cannot-write", "cannot create \(receipts)")
        }
        var failed = 0
        pipeline.ingest(paths: files) { file, result in
            switch result {
            case .success(let outcome):
                // The agency's receipt, as the drop directory writes it (issue 13, item 7).
                do {
                    if let made = try issuer.make(for: [outcome])[0].get() {
                        _ = try issuer.write(made)
                        if let receipts { try DurableFile.write(made.signed, to: receipts, name: "\(outcome.envelopeSha256).receipt", mode: 0o640) }
                    }
                } catch {
                    failed += 1
                    let (code, message) = Failure.describe(error)
                    FileHandle.standardError.write(Data("intake: \(code): \(file): recorded, but its receipt was not written: \(message)\n".utf8))
                }
                print(json ? CanonicalJSON.encodeString(outcome.json) : "\(file): \(outcome.summary)")
                if outcome.status == .rejected {
                    failed += 1
                    FileHandle.standardError.write(Data("intake: \(outcome.reason?.rawValue ?? "rejected"): \(file): \(outcome.message)\n".utf8))
                }
            case .failure(let error):
                failed += 1
                let (code, message) = Failure.describe(error)
                FileHandle.standardError.write(Data("intake: \(code): \(message)\n".utf8))
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
