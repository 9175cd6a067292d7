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
            abstract: "Verify a receipt: its signature, the checkpoint, the inclusion proof, and what it names.",
            discussion: """
            Checks the CMS signature against the receipt certificate (as `openssl cms -verify -CAfile
            receipt.crt` does), the checkpoint's Ed25519 signature by the ledger key, the RFC 9162 inclusion
            proof of the ledger entry under the checkpoint's root, and that the entry names the receipt's
            envelope, content, case and agency. With --envelope, that the file hashes to the receipt's
            envelope SHA-256. With a home (--home or $INTAKE_HOME, when neither --cert nor --vkey is given),
            also that the ledger still holds the entry and that its current tree is consistent with the
            receipt's checkpoint: a ledger rolled back or forked since the receipt was issued fails.
            Anyone with keys/receipt.crt and keys/ledger.vkey can verify without a home (--cert, --vkey).
            """
        )

        @Option(name: .long, help: "The intake home (its keys and ledger are used).") var home: String?
        @Option(help: "The receipt-signing certificate (keys/receipt.crt), instead of a home.") var cert: String?
        @Option(help: "The ledger verifier key (keys/ledger.vkey), instead of a home.") var vkey: String?
        @Option(help: "The envelope the receipt is for: checked to hash to it.") var envelope: String?
        @Argument(help: "The receipt (DER CMS SignedData).") var receipt: String

        func validate() throws {
            if (cert == nil) != (vkey == nil) { throw ValidationError("give both --cert and --vkey, or a home") }
        }

        func run() throws {
            let der = try readFile(receipt)
            let opened: Home? = cert == nil
                ? try HomeOption.open(home, readOnly: true) : nil
            try Failure.report {
                let certificate = try Certificate(pem: cert.map(readFile) ?? DurableFile.read(opened!.layout.receiptCertificate))
                let key = try vkey.map { try NoteVerifierKey.parse(String(decoding: readFile($0), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
                    ?? opened!.ledgerVerifierKey
                let content: [UInt8]
                switch SignedDataVerifier.verify(der, trusting: [certificate], at: SystemClock.now().secondsSinceEpoch) {
                case .success(let bytes): content = bytes
                case .failure(let error): throw HomeError("bad-signature", "the receipt's CMS signature does not verify: \(error)")
                }
                guard let parsed = Receipt.parse(content) else {
                    throw HomeError("malformed", "the signed content is not an intake-receipt/v1 document")
                }
                let checkpoint: Checkpoint
                switch parsed.verify(isSigned: { $0.isSigned(by: key) }) {
                case .success(let body): checkpoint = body
                case .failure(let failure): throw HomeError(failure.code, failure.message)
                }
                var checks = ["signature", "checkpoint", "inclusion proof", "entry"]
                if let envelope {
                    guard SHA256.hex(try readFile(envelope)) == parsed.envelopeSha256 else {
                        throw HomeError("envelope-mismatch", "\(envelope) does not hash to the receipt's envelope SHA-256")
                    }
                    checks.append("envelope")
                }
                if let opened {
                    let size = try opened.ledger.treeSize()
                    guard size >= parsed.treeSize else {
                        throw HomeError("rolled-back", "the ledger has \(size) entries, fewer than the receipt's checkpoint (\(parsed.treeSize)): it was rolled back")
                    }
                    guard try opened.ledger.entry(at: parsed.index) == parsed.entry else {
                        throw HomeError("entry-mismatch", "the ledger's entry \(parsed.index) is not the receipt's")
                    }
                    let proof = try opened.ledger.consistencyProof(from: parsed.treeSize, to: size)
                    guard MerkleVerifier.verifyConsistency(size1: parsed.treeSize, size2: size, root1: checkpoint.rootHash,
                                                           root2: try opened.ledger.rootHash(size: size), proof: proof)
                    else {
                        throw HomeError("inconsistent", "the ledger's current tree is not consistent with the receipt's checkpoint: it was rewritten or forked")
                    }
                    checks.append("consistent with the ledger (\(size) entries)")
                }
                print("ok: \(parsed.status.rawValue) \(parsed.caseRef) \(parsed.agencyId) envelope \(parsed.envelopeSha256.prefix(16))… "
                      + "entry \(parsed.index) of \(parsed.treeSize), received \(parsed.receivedAt); checked: \(checks.joined(separator: ", "))")
            }
        }
    }
}
