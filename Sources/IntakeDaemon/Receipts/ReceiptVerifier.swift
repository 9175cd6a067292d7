public import IntakeCore
public import IntakeCrypto
public import IntakeLedger

/// What `intake receipt verify` checks, as a function the command and the tests share: the
/// CMS signature by the receipt certificate, the checkpoint's signature by the ledger key, the
/// RFC 9162 inclusion proof of the entry under the checkpoint's root, and that the entry names
/// the receipt's envelope, content, case and agency. With `envelope`, that those bytes hash to
/// the receipt's envelope. With `ledger`, that the ledger still holds the entry and that its
/// current tree is consistent with the receipt's checkpoint (it was not rolled back or forked).
public enum ReceiptVerifier {
    public struct Verified: Sendable {
        public let receipt: Receipt
        public let checkpoint: Checkpoint
        /// What was checked, in order.
        public let checks: [String]
        /// The ledger's size when it was checked against one.
        public let ledgerSize: Int?
    }

    /// `envelope` is the envelope's bytes and the name to report a mismatch under.
    public static func verify(_ der: [UInt8], certificate: Certificate, key: NoteVerifierKey,
                              envelope: (bytes: [UInt8], name: String)? = nil, ledger: Ledger? = nil,
                              at time: Int64) throws -> Verified {
        let content: [UInt8]
        switch SignedDataVerifier.verify(der, trusting: [certificate], at: time) {
        case .success(let bytes): content = bytes
        case .failure(let error): throw HomeError("bad-signature", "the receipt's CMS signature does not verify: \(error)")
        }
        guard let receipt = Receipt.parse(content) else {
            throw HomeError("malformed", "the signed content is not an intake-receipt/v1 document")
        }
        let checkpoint: Checkpoint
        switch receipt.verify(isSigned: { $0.isSigned(by: key) }) {
        case .success(let body): checkpoint = body
        case .failure(let failure): throw HomeError(failure.code, failure.message)
        }
        var checks = ["signature", "checkpoint", "inclusion proof", "entry"]
        if let envelope {
            guard SHA256.hex(envelope.bytes) == receipt.envelopeSha256 else {
                throw HomeError("envelope-mismatch", "\(envelope.name) does not hash to the receipt's envelope SHA-256")
            }
            checks.append("envelope")
        }
        guard let ledger else { return Verified(receipt: receipt, checkpoint: checkpoint, checks: checks, ledgerSize: nil) }
        let size = try ledger.treeSize()
        guard size >= receipt.treeSize else {
            throw HomeError("rolled-back", "the ledger has \(size) entries, fewer than the receipt's checkpoint (\(receipt.treeSize)): it was rolled back")
        }
        guard try ledger.entry(at: receipt.index) == receipt.entry else {
            throw HomeError("entry-mismatch", "the ledger's entry \(receipt.index) is not the receipt's")
        }
        let proof = try ledger.consistencyProof(from: receipt.treeSize, to: size)
        guard MerkleVerifier.verifyConsistency(size1: receipt.treeSize, size2: size, root1: checkpoint.rootHash,
                                               root2: try ledger.rootHash(size: size), proof: proof)
        else {
            throw HomeError("inconsistent", "the ledger's current tree is not consistent with the receipt's checkpoint: it was rewritten or forked")
        }
        checks.append("consistent with the ledger (\(size) entries)")
        return Verified(receipt: receipt, checkpoint: checkpoint, checks: checks, ledgerSize: size)
    }
}
