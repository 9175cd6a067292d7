public import IntakeCore
import IntakeCrypto
import IntakeLedger
import Synchronization

/// The one path every input takes, whatever channel brought it (DESIGN §3, §5):
///
/// size limit → parse (DER/PEM/S-MIME) → decrypt → verify the inner SignedData → map the
/// signer to its agency → validate the `scoping-return/v1` JSON → case, agency and version
/// rules → keep the bytes (store/ or quarantine/, durably) → commit the ledger events.
///
/// The bytes are durable before the ledger commits; the caller removes a drop-directory
/// input only after `process` returns. Plaintext stays in memory.
public final class Pipeline: Sendable {
    public let home: Home
    let opener: EnvelopeOpener
    let store: EnvelopeStore
    let clock: @Sendable () -> UTCInstant
    private let signerCache = Mutex<(count: Int, certificates: [Certificate])>((-1, []))

    public init(home: Home, clock: @escaping @Sendable () -> UTCInstant) throws {
        self.home = home
        opener = try home.opener()
        store = EnvelopeStore(layout: home.layout)
        self.clock = clock
    }

    /// Processes an input held in memory: `prepare`, then `commit`.
    public func process(_ bytes: [UInt8], channel: String, originalName: String? = nil, inputKey: String? = nil,
                        receivedAt: UTCInstant? = nil) throws -> Outcome {
        try commit(prepare(bytes, channel: channel, originalName: originalName, inputKey: inputKey, receivedAt: receivedAt))
    }

    /// An input opened and checked, ready to be recorded. Holds the plaintext-derived facts
    /// in memory only.
    public struct Prepared: Sendable {
        let bytes: [UInt8]
        let facts: SubmissionFacts
        let originalName: String?
        let inputKey: String?
        let result: Result<OpenedReturn, EnvelopeRejection>
    }

    /// The CPU-bound half of the pipeline (size, decrypt, verify, validate): safe to run for
    /// several inputs at once. Nothing is written.
    public func prepare(_ bytes: [UInt8], channel: String, originalName: String? = nil, inputKey: String? = nil,
                        receivedAt: UTCInstant? = nil) throws -> Prepared {
        let receivedAt = receivedAt ?? clock()
        let facts = SubmissionFacts(channel: channel, envelopeSha256: SHA256.hex(bytes), size: bytes.count, receivedAt: receivedAt)
        let limit = home.settings.policy.maxEnvelopeBytes
        let result: Result<OpenedReturn, EnvelopeRejection>
        if bytes.count > limit {
            result = .failure(EnvelopeRejection(.tooLarge, "\(bytes.count) bytes is over the limit of \(limit)"))
        } else {
            // The content is hashed and validated where OpenSSL holds it: never copied whole.
            let opened = opener.open(bytes, receivedAt: receivedAt.secondsSinceEpoch, knownSigners: try knownSigners()) { content, verifiedSHA256 in
                (sha256: Hex.encode(verifiedSHA256 ?? SHA256.hash(buffer: content)), verdict: ScopingReturn.validate(buffer: content))
            }
            switch opened {
            case .failure(let rejection):
                result = .failure(rejection)
            case .success(let envelope):
                result = .success(OpenedReturn(
                    contentSha256: envelope.content.sha256, signerSha256: envelope.signerFingerprint,
                    signerAgency: try home.ledger.agencyId(forCertificate: envelope.signerFingerprint),
                    verdict: envelope.content.verdict))
            }
        }
        return Prepared(bytes: bytes, facts: facts, originalName: originalName, inputKey: inputKey, result: result)
    }

    /// The recording half: decides on the case and version inside the ledger's write
    /// transaction, makes the bytes durable in store/ or quarantine/, and commits. Inputs are
    /// recorded in the order `commit` is called.
    public func commit(_ prepared: Prepared) throws -> Outcome {
        let facts = prepared.facts, bytes = prepared.bytes, sha256 = facts.envelopeSha256
        let record = { (reason: ReasonCode, message: String) in
            EnvelopeStore.Record(reason: reason, message: message, receivedAt: facts.receivedAt, originalName: prepared.originalName,
                                 channel: facts.channel, size: facts.size, sha256: sha256)
        }
        switch prepared.result {
        case .failure(let rejection):
            return try reject(rejection.reason, rejection.message, facts: facts, inputKey: prepared.inputKey) { () throws(StorageError) in
                try store.quarantine(bytes, sha256: sha256, record: record(rejection.reason, rejection.message))
            }
        case .success(let opened):
            var message = ""
            let recorded = try home.ledger.recordOpened(opened, facts: facts, inputKey: prepared.inputKey, at: clock()) { disposition in
                switch disposition {
                case .store:
                    try store.keep(bytes, sha256: sha256)
                case .quarantine(let reason, let why):
                    message = why
                    try store.quarantine(bytes, sha256: sha256, record: record(reason, why))
                }
            }
            return Self.outcome(recorded, sha256: sha256, message: message)
        }
    }

    private func reject(_ reason: ReasonCode, _ message: String, facts: SubmissionFacts, inputKey: String?,
                        keep: () throws(StorageError) -> Void) throws -> Outcome {
        let recorded = try home.ledger.recordRejection(reason, facts: facts, inputKey: inputKey, at: clock()) { _ in try keep() }
        return Self.outcome(recorded, sha256: facts.envelopeSha256, message: message)
    }

    static func outcome(_ recorded: Ledger.Recorded, sha256: String, message: String) -> Outcome {
        let status: Outcome.Status = switch recorded.kind {
        case .submissionAccepted: recorded.complete == false ? .acceptedIncomplete : .accepted
        case .submissionDuplicate: .duplicate
        default: .rejected
        }
        return Outcome(status: status, reason: recorded.reason, message: message.isEmpty ? recorded.message : message,
                       envelopeSha256: sha256, caseRef: recorded.caseRef, agencyId: recorded.agencyId,
                       version: recorded.version, missing: recorded.missing, ledgerIndex: recorded.ledgerIndex,
                       treeSize: recorded.treeSize, isNew: recorded.isNew)
    }

    /// The registered agencies' certificates, reloaded when an agency certificate is added.
    func knownSigners() throws -> [Certificate] {
        let pems = try home.ledger.pinnedCertificatePEMs()
        return try signerCache.withLock { cache in
            if cache.count != pems.count {
                cache = (pems.count, try pems.flatMap { try Certificate.all(pem: Array($0.utf8)) })
            }
            return cache.certificates
        }
    }
}
