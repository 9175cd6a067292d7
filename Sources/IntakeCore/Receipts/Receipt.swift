/// The receipt an agency gets for an accepted or duplicate submission (DESIGN §3): the
/// `intake-receipt/v1` JSON, signed as a CMS SignedData by the receipt key.
///
///     {"schema": "intake-receipt/v1", "caseRef", "agencyId",
///      "status": "accepted" | "accepted-incomplete" | "duplicate",
///      "envelopeSha256", "contentSha256", "receivedAt",
///      "ledger": {"index", "treeSize", "entry": BASE64-OF-LEAF-BYTES,
///                 "inclusionProof": [BASE64-HASH, ...], "checkpoint": SIGNED-NOTE-TEXT}}
///
/// The leaf hash is SHA-256(0x00 || entry); the proof proves it at `index` in the tree of
/// `treeSize` whose root the checkpoint signs (RFC 9162 §2.1.3).
public struct Receipt: Sendable, Equatable {
    public static let schema = "intake-receipt/v1"

    public enum Status: String, Sendable {
        case accepted, acceptedIncomplete = "accepted-incomplete", duplicate
    }

    public var caseRef: String
    public var agencyId: String
    public var status: Status
    public var envelopeSha256: String
    public var contentSha256: String
    public var receivedAt: String
    public var index: Int
    public var treeSize: Int
    public var entry: [UInt8]
    public var inclusionProof: [[UInt8]]
    public var checkpoint: String

    public init(caseRef: String, agencyId: String, status: Status, envelopeSha256: String, contentSha256: String,
                receivedAt: String, index: Int, treeSize: Int, entry: [UInt8], inclusionProof: [[UInt8]], checkpoint: String) {
        self.caseRef = caseRef
        self.agencyId = agencyId
        self.status = status
        self.envelopeSha256 = envelopeSha256
        self.contentSha256 = contentSha256
        self.receivedAt = receivedAt
        self.index = index
        self.treeSize = treeSize
        self.entry = entry
        self.inclusionProof = inclusionProof
        self.checkpoint = checkpoint
    }

    public var json: JSONValue {
        .object([
            "schema": .string(Self.schema), "caseRef": .string(caseRef), "agencyId": .string(agencyId),
            "status": .string(status.rawValue), "envelopeSha256": .string(envelopeSha256),
            "contentSha256": .string(contentSha256), "receivedAt": .string(receivedAt),
            "ledger": .object([
                "index": .int(index), "treeSize": .int(treeSize), "entry": .string(Base64.encode(entry)),
                "inclusionProof": .array(inclusionProof.map { .string(Base64.encode($0)) }),
                "checkpoint": .string(checkpoint),
            ]),
        ])
    }

    /// The receipt of the submission event `entry` (the leaf at `index`) under the checkpoint
    /// `checkpoint` of `treeSize` leaves: every claim taken from the entry, the status too
    /// unless `status` is given. nil when the entry is not a submission event.
    public init?(entry: [UInt8], index: Int, status: Status? = nil, treeSize: Int, inclusionProof: [[UInt8]], checkpoint: String) {
        guard let event = LedgerEvent.parse(entry: entry), let entryStatus = Status(event: event) else { return nil }
        self.init(caseRef: event["caseRef"]?.stringValue ?? "", agencyId: event["agencyId"]?.stringValue ?? "", status: status ?? entryStatus,
                  envelopeSha256: event["envelopeSha256"]?.stringValue ?? "", contentSha256: event["contentSha256"]?.stringValue ?? "",
                  receivedAt: event["receivedAt"]?.stringValue ?? "", index: index, treeSize: treeSize, entry: entry,
                  inclusionProof: inclusionProof, checkpoint: checkpoint)
    }

    /// The receipt's signed bytes: its canonical JSON.
    public var bytes: [UInt8] { CanonicalJSON.encode(json) }

    /// The members of a receipt and of its `ledger` object: nothing else is allowed.
    static let members: Set<String> = ["schema", "caseRef", "agencyId", "status", "envelopeSha256", "contentSha256", "receivedAt", "ledger"]
    static let ledgerMembers: Set<String> = ["index", "treeSize", "entry", "inclusionProof", "checkpoint"]

    /// Reads a receipt's JSON; nil when a member is missing, malformed or unknown (a receipt
    /// says only what the ledger entry it proves says, so an extra member is a forgery).
    public static func parse(_ bytes: [UInt8]) -> Receipt? {
        guard let json = try? JSONParser.parse(bytes), case .object(let top) = json, Set(top.keys) == members,
              case .object(let ledgerObject)? = json["ledger"], Set(ledgerObject.keys) == ledgerMembers,
              json["schema"]?.stringValue == schema,
              let caseRef = json["caseRef"]?.stringValue, let agencyId = json["agencyId"]?.stringValue,
              let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)),
              let envelope = json["envelopeSha256"]?.stringValue, Hex.isSHA256(envelope),
              let content = json["contentSha256"]?.stringValue, Hex.isSHA256(content),
              let receivedAt = json["receivedAt"]?.stringValue, let ledger = json["ledger"],
              let index = ledger["index"]?.intValue, let treeSize = ledger["treeSize"]?.intValue,
              let entry = ledger["entry"]?.stringValue.flatMap({ Base64.decode($0) }),
              let proofItems = ledger["inclusionProof"]?.arrayValue, proofItems.count <= 64,
              let checkpoint = ledger["checkpoint"]?.stringValue
        else { return nil }
        var proof: [[UInt8]] = []
        for item in proofItems {
            guard let hash = item.stringValue.flatMap({ Base64.decode($0) }), hash.count == 32 else { return nil }
            proof.append(hash)
        }
        return Receipt(caseRef: caseRef, agencyId: agencyId, status: status, envelopeSha256: envelope, contentSha256: content,
                       receivedAt: receivedAt, index: index, treeSize: treeSize, entry: entry, inclusionProof: proof,
                       checkpoint: checkpoint)
    }

    /// A failed check, by stable code.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let code: String
        public let message: String
        public var description: String { "\(code): \(message)" }
    }

    /// The checks that need no key but the ledger's verifier key (through `isSigned`):
    /// the checkpoint parses, is signed and has the receipt's tree size; the entry is included
    /// at `index` under the checkpoint's root; the entry is the event this receipt describes,
    /// member for member (envelope, content, case, agency, receivedAt, status).
    /// Returns the checkpoint on success.
    public func verify(isSigned: (SignedNote) -> Bool) -> Result<Checkpoint, Failure> {
        guard let note = try? SignedNote.parse(checkpoint), let body = try? Checkpoint.parse(note.text) else {
            return .failure(Failure(code: "bad-checkpoint", message: "the receipt's checkpoint is not a signed tlog-checkpoint"))
        }
        guard isSigned(note) else {
            return .failure(Failure(code: "checkpoint-signature", message: "the checkpoint is not signed by the ledger key"))
        }
        guard body.size == treeSize, index >= 0, index < treeSize else {
            return .failure(Failure(code: "bad-size", message: "the receipt's index or tree size does not match its checkpoint"))
        }
        guard MerkleVerifier.verifyInclusion(leafHash: MerkleHashing.leafHash(entry), index: index, size: treeSize,
                                             proof: inclusionProof, root: body.rootHash) else {
            return .failure(Failure(code: "inclusion-proof", message: "the entry is not included at index \(index) under the checkpoint's root"))
        }
        // Every claim of the receipt is the entry's: a receipt re-signed with the receipt key
        // but with another time or status does not describe this entry.
        guard let event = LedgerEvent.parse(entry: entry), Status(event: event) == status,
              event["envelopeSha256"]?.stringValue == envelopeSha256,
              event["contentSha256"]?.stringValue == contentSha256, event["caseRef"]?.stringValue == caseRef,
              event["agencyId"]?.stringValue == agencyId, event["receivedAt"]?.stringValue == receivedAt
        else {
            return .failure(Failure(code: "entry-mismatch",
                                    message: "the ledger entry does not say what this receipt says (envelope, content, case, agency, time of receipt and status)"))
        }
        return .success(body)
    }
}

extension Receipt.Status {
    /// The status a submission event gives its receipt (`accepted-incomplete` when the event
    /// says `"complete": false`); nil for any other event.
    public init?(event: LedgerEvent) {
        switch event.kind {
        case .submissionDuplicate: self = .duplicate
        case .submissionAccepted: self = event["complete"]?.boolValue == false ? .acceptedIncomplete : .accepted
        default: return nil
        }
    }
}
