public import IntakeCore
import IntakeCrypto
import IntakeLedger
import Glibc

/// Issues the signed receipt of DESIGN §3 for an accepted or duplicate submission: the
/// `intake-receipt/v1` JSON with the ledger entry, its inclusion proof and the signed
/// checkpoint, as a CMS SignedData (DER) by `keys/receipt.crt` that stock
/// `openssl cms -verify -CAfile receipt.crt` accepts.
public final class ReceiptIssuer: Sendable {
    let home: Home
    let certificate: Certificate
    let key: PrivateKey

    public init(home: Home) throws {
        self.home = home
        certificate = try Certificate(pem: DurableFile.read(home.layout.receiptCertificate))
        key = try PrivateKey(pem: DurableFile.read(home.layout.receiptKey))
        guard key.matches(certificate) else {
            throw HomeError("key-mismatch", "keys/receipt.key does not match keys/receipt.crt")
        }
    }

    /// The receipt for `outcome`, or nil when it is a rejection (rejections get no receipt).
    public func receipt(for outcome: Outcome) throws -> Receipt? {
        let status: Receipt.Status
        switch outcome.status {
        case .accepted: status = .accepted
        case .acceptedIncomplete: status = .acceptedIncomplete
        case .duplicate: status = .duplicate
        case .rejected: return nil
        }
        return try receipt(index: outcome.ledgerIndex, status: status)
    }

    /// The receipt for the submission event at `index` (accepted or duplicate), with the
    /// latest signed checkpoint: for a duplicate over the socket, the original acceptance's.
    public func receipt(index: Int, status: Receipt.Status? = nil) throws -> Receipt {
        let ledger = home.ledger
        guard let entry = try ledger.entry(at: index), let event = LedgerEvent.parse(entry: entry),
              event.kind == .submissionAccepted || event.kind == .submissionDuplicate,
              let checkpoint = try ledger.latestSignedCheckpoint(), checkpoint.size > index
        else { throw HomeError("no-entry", "ledger entry \(index) is not a checkpointed submission") }
        let status = status ?? (event.kind == .submissionDuplicate ? .duplicate
            : event["complete"]?.boolValue == false ? .acceptedIncomplete : .accepted)
        return Receipt(
            caseRef: event["caseRef"]?.stringValue ?? "", agencyId: event["agencyId"]?.stringValue ?? "", status: status,
            envelopeSha256: event["envelopeSha256"]?.stringValue ?? "", contentSha256: event["contentSha256"]?.stringValue ?? "",
            receivedAt: event["receivedAt"]?.stringValue ?? "", index: index, treeSize: checkpoint.size,
            entry: entry, inclusionProof: try ledger.inclusionProof(index: index, size: checkpoint.size),
            checkpoint: checkpoint.note)
    }

    /// The receipt signed: DER CMS SignedData over its canonical JSON.
    public func sign(_ receipt: Receipt) throws -> [UInt8] {
        try EnvelopeSealer.sign(receipt.bytes, signer: certificate, key: key)
    }

    /// Issues and writes `receipts/AGENCY/ENVELOPE-SHA256.receipt` atomically (a newer
    /// receipt for the same envelope replaces the older one), and beside it
    /// `ENVELOPE-SHA256.ess-receipt` when the agency requested an RFC 2634 signed receipt.
    /// Returns the receipt's path, or nil for a rejection.
    /// With `syncs`, the receipts' directory entries are durable once `syncs` is flushed.
    @discardableResult
    public func issue(for outcome: Outcome, syncs: GroupSync? = nil) throws -> String? {
        guard let receipt = try receipt(for: outcome), ScopingReturn.isAgencyId(receipt.agencyId) else { return nil }
        let directory = "\(home.layout.receipts)/\(receipt.agencyId)"
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw StorageError.errno("cannot create", directory)
        }
        try DurableFile.write(try sign(receipt), to: directory, name: "\(receipt.envelopeSha256).receipt", mode: 0o440,
                              syncs: syncs)
        if let signedReceipt = outcome.signedReceipt {
            // RFC 2634: the agency asked for a signed receipt bound to its own signature.
            try DurableFile.write(signedReceipt, to: directory, name: "\(receipt.envelopeSha256).ess-receipt", mode: 0o440,
                                  syncs: syncs)
        }
        return "\(directory)/\(receipt.envelopeSha256).receipt"
    }
}
