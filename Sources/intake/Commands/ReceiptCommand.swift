import ArgumentParser
import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger

struct ReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Check a submission receipt.",
        subcommands: [Verify.self]
    )

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify receipts: each one's signature, checkpoint, inclusion proof, and what it names.",
            discussion: """
            Checks the CMS signature against the receipt certificate (as `openssl cms -verify -CAfile
            receipt.crt` does), the checkpoint's Ed25519 signature by the ledger key, the RFC 9162 inclusion
            proof of the ledger entry under the checkpoint's root, and that the entry names the receipt's
            envelope, content, case and agency. With --envelope, that the file hashes to the receipt's
            envelope SHA-256. With a home (--home or $INTAKE_HOME, when neither --cert nor --vkey is given),
            also that the ledger still holds the entry and that its current tree is consistent with the
            receipt's checkpoint: a ledger rolled back or forked since the receipt was issued fails.
            Anyone with keys/receipt.crt and keys/ledger.vkey can verify without a home (--cert, --vkey).
            Several receipts (e.g. receipts/police/*.receipt) are each checked and reported; the exit status
            is 1 when any fails.
            """
        )

        @Option(name: .long, help: "The intake home (its keys and ledger are used).") var home: String?
        @Option(help: "The receipt-signing certificate (keys/receipt.crt), instead of a home.") var cert: String?
        @Option(help: "The ledger verifier key (keys/ledger.vkey), instead of a home.") var vkey: String?
        @Option(help: "The envelope the receipt is for: checked to hash to it (one receipt only).") var envelope: String?
        @Argument(help: "The receipts (DER CMS SignedData): one or more.") var receipts: [String]

        func validate() throws {
            if (cert == nil) != (vkey == nil) { throw ValidationError("give both --cert and --vkey, or a home") }
            if receipts.isEmpty { throw ValidationError("name the receipt to verify") }
            if envelope != nil && receipts.count > 1 { throw ValidationError("--envelope goes with one receipt") }
        }

        func run() throws {
            let opened: Home? = cert == nil
                ? try HomeOption.open(home, readOnly: true) : nil
            let (certificate, key) = try Failure.report {
                (try Certificate(pem: cert.map(readFile) ?? DurableFile.read(opened!.layout.receiptCertificate)),
                 try vkey.map { try NoteVerifierKey.parse(String(decoding: readFile($0), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
                    ?? opened!.ledgerVerifierKey)
            }
            let envelopeBytes = try envelope.map { (try readFile($0), $0) }
            // Each receipt is checked and reported; with several, a failure names its file.
            var failures = 0
            for path in receipts {
                do {
                    guard let der = FileManager.default.contents(atPath: path) else { throw HomeError("unreadable", "cannot read \(path)") }
                    let verified = try ReceiptVerifier.verify([UInt8](der), certificate: certificate, key: key, envelope: envelopeBytes,
                                                              ledger: opened?.ledger, at: SystemClock.now().secondsSinceEpoch)
                    let parsed = verified.receipt
                    print("ok: \(parsed.status.rawValue) \(parsed.caseRef) \(parsed.agencyId) envelope \(parsed.envelopeSha256.prefix(16))… "
                          + "entry \(parsed.index) of \(parsed.treeSize), received \(parsed.receivedAt); checked: \(verified.checks.joined(separator: ", "))")
                } catch {
                    let (code, message) = Failure.describe(error)
                    _ = Failure.exit(code, receipts.count > 1 ? "\(path): \(message)" : message)
                    failures += 1
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
