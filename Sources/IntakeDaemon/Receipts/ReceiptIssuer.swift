import Synchronization
import Dispatch
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

    /// The receipt status of an outcome; nil for a rejection (rejections get no receipt).
    static func status(_ outcome: Outcome) -> Receipt.Status? {
        switch outcome.status {
        case .accepted: .accepted
        case .acceptedIncomplete: .acceptedIncomplete
        case .duplicate: .duplicate
        case .rejected: nil
        }
    }

    /// The receipt for the submission event at `index` (accepted or duplicate), with the
    /// latest signed checkpoint: for a duplicate over the socket, the original acceptance's.
    public func receipt(index: Int, status: Receipt.Status? = nil) throws -> Receipt {
        let ledger = home.ledger
        guard let entry = try ledger.entry(at: index), let checkpoint = try ledger.latestSignedCheckpoint(), checkpoint.size > index,
              let receipt = Receipt(entry: entry, index: index, status: status, treeSize: checkpoint.size,
                                    inclusionProof: try ledger.inclusionProof(index: index, size: checkpoint.size), checkpoint: checkpoint.note)
        else { throw HomeError("no-entry", "ledger entry \(index) is not a checkpointed submission") }
        return receipt
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
        guard let made = try make(for: [outcome])[0].get() else { return nil }
        return try write(made, syncs: syncs)
    }

    /// A receipt built and signed, not yet written.
    public struct Made: Sendable {
        let agencyId: String
        let envelopeSha256: String
        /// The receipt: DER CMS SignedData.
        public let signed: [UInt8]
        let essReceipt: [UInt8]?
    }

    /// The receipts of a group's outcomes, from one read of the ledger, signed side by side on
    /// the calling thread and the workers; nil for a rejection (or no outcome).
    public func make(for outcomes: [Outcome?]) -> [Result<Made?, any Error>] {
        let wanted = outcomes.map { outcome in outcome.flatMap { Self.status($0) != nil ? $0.ledgerIndex : nil } }
        let material: (checkpoint: Ledger.SignedCheckpoint?, entries: [(entry: [UInt8], proof: [[UInt8]])?])
        do {
            material = try home.ledger.receiptMaterial(indices: wanted.compactMap { $0 })
        } catch {
            return outcomes.map { _ in .failure(error) }
        }
        var position = 0
        let receipts: [Result<Receipt?, any Error>] = zip(outcomes, wanted).map { outcome, index in
            guard let outcome, let index, let status = Self.status(outcome) else { return .success(nil) }
            defer { position += 1 }
            guard let checkpoint = material.checkpoint, let (entry, proof) = material.entries[position],
                  let receipt = Receipt(entry: entry, index: index, status: status, treeSize: checkpoint.size,
                                        inclusionProof: proof, checkpoint: checkpoint.note)
            else { return .failure(HomeError("no-entry", "ledger entry \(index) is not a checkpointed submission")) }
            return .success(receipt)
        }
        let signed = Mutex<[Int: Result<Made?, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: outcomes.count) { index in
            let result: Result<Made?, any Error> = receipts[index].flatMap { receipt in
                Result {
                    guard let receipt, ScopingReturn.isAgencyId(receipt.agencyId) else { return nil }
                    return Made(agencyId: receipt.agencyId, envelopeSha256: receipt.envelopeSha256, signed: try sign(receipt),
                                essReceipt: outcomes[index]?.signedReceipt)
                }
            }
            signed.withLock { $0[index] = result }
        }
        let made = signed.withLock { $0 }
        return outcomes.indices.map { made[$0] ?? .success(nil) }
    }

    /// Writes a made receipt (and the RFC 2634 signed receipt the agency asked for, if any);
    /// its path.
    public func write(_ made: Made, syncs: GroupSync? = nil) throws -> String {
        let directory = "\(home.layout.receipts)/\(made.agencyId)"
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw StorageError.errno("cannot create", directory)
        }
        try DurableFile.write(made.signed, to: directory, name: "\(made.envelopeSha256).receipt", mode: 0o440, syncs: syncs)
        if let signedReceipt = made.essReceipt {
            // RFC 2634: the agency asked for a signed receipt bound to its own signature.
            try DurableFile.write(signedReceipt, to: directory, name: "\(made.envelopeSha256).ess-receipt", mode: 0o440,
                                  syncs: syncs)
        }
        return "\(directory)/\(made.envelopeSha256).receipt"
    }
}
