public import IntakeCore
import IntakeCrypto
import IntakeLedger
import Glibc
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
    /// The bound on quarantine/ (`[policy] max_quarantine_bytes`).
    public let quarantineQuota: QuarantineQuota
    let clock: @Sendable () -> UTCInstant
    private let signerCache = Mutex<(count: Int, certificates: [Certificate])>((-1, []))

    public init(home: Home, clock: @escaping @Sendable () -> UTCInstant) throws {
        self.home = home
        opener = try home.opener()
        store = EnvelopeStore(layout: home.layout)
        quarantineQuota = QuarantineQuota(layout: home.layout, settings: home.settings)
        self.clock = clock
    }

    /// Processes an input held in memory: `prepare`, then `commit`.
    public func process(_ bytes: consuming [UInt8], channel: String, originalName: String? = nil, inputKey: String? = nil,
                        receivedAt: UTCInstant? = nil, envelopeSha256: String? = nil) throws -> Outcome {
        try commit(prepare(bytes, channel: channel, originalName: originalName, inputKey: inputKey, receivedAt: receivedAt,
                           envelopeSha256: envelopeSha256))
    }

    /// Where an input's bytes wait for `commit`: in memory, or (large inputs) already written
    /// to a temporary file in store/, so that they are not held while the input is opened.
    enum Kept: Sendable {
        case memory([UInt8])
        case staged(EnvelopeStore.Staged)
    }

    /// Inputs at least this large are staged on disk before they are opened (memory stays
    /// near three times the envelope); smaller ones are written once, when recorded.
    static let stagingThreshold = 8 << 20

    /// An input opened and checked, ready to be recorded, and what was learnt from it.
    public struct Prepared: Sendable {
        let kept: Kept
        let facts: SubmissionFacts
        let originalName: String?
        let inputKey: String?
        let result: Result<OpenedReturn, EnvelopeRejection>
        /// The RFC 2634 signed receipt, when the agency asked for one.
        let signedReceipt: [UInt8]?
    }

    /// The CPU-bound half of the pipeline (hash, stage, size, decrypt, verify, validate): safe
    /// to run for several inputs at once. Writes only the staged copy.
    /// `envelopeSha256`, when the caller has already hashed the bytes, saves hashing them again.
    public func prepare(_ bytes: consuming [UInt8], channel: String, originalName: String? = nil, inputKey: String? = nil,
                        receivedAt: UTCInstant? = nil, envelopeSha256: String? = nil) throws -> Prepared {
        var bytes = bytes
        let receivedAt = receivedAt ?? clock()
        let facts = SubmissionFacts(channel: channel, envelopeSha256: envelopeSha256 ?? SHA256.hex(bytes), size: bytes.count,
                                    receivedAt: receivedAt)
        let kept: Kept = bytes.count >= Self.stagingThreshold
            ? .staged(try store.stage(bytes, sha256: facts.envelopeSha256)) : .memory(bytes)
        do {
            let limit = home.settings.policy.maxEnvelopeBytes
            let result: Result<OpenedReturn, EnvelopeRejection>
            var signedReceipt: [UInt8]?
            if bytes.count > limit {
                result = .failure(EnvelopeRejection(.tooLarge, "\(bytes.count) bytes is over the limit of \(limit)"))
            } else {
                // The content is hashed and validated where OpenSSL holds it, never copied whole;
                // a staged input's bytes (this is then their only reference) are released once
                // OpenSSL has the ciphertext.
                let opened = opener.openReturn(releasing: &bytes, receivedAt: receivedAt.secondsSinceEpoch,
                                               knownSigners: try knownSigners())
                switch opened {
                case .failure(let rejection):
                    result = .failure(rejection)
                case .success(let envelope):
                    signedReceipt = envelope.signedReceipt
                    var opened = OpenedReturn(
                        contentSha256: envelope.content.contentSha256, signerSha256: envelope.signerFingerprint,
                        signerAgency: try home.ledger.agencyId(forCertificate: envelope.signerFingerprint),
                        verdict: envelope.content.verdict)
                    opened.signingTime = envelope.signingTime
                    opened.signerNotBefore = envelope.signer.validity.notBefore
                    result = .success(opened)
                }
            }
            return Prepared(kept: kept, facts: facts, originalName: originalName, inputKey: inputKey, result: result,
                            signedReceipt: signedReceipt)
        } catch {
            if case .staged(let staged) = kept { store.discard(staged) }
            throw error
        }
    }

    /// The recording half for one input: a group of one (`commit(group:)`).
    public func commit(_ prepared: Prepared) throws -> Outcome {
        try commit(group: [prepared])[0].get()
    }

    /// The recording half, for several inputs at once (group commit): inside one ledger write
    /// transaction, in order, decides on each input's case and version and moves its bytes
    /// durably into store/ or quarantine/; then fsyncs each directory written once, signs one
    /// checkpoint for the group and commits. Each input succeeds or fails on its own. When the
    /// transaction cannot commit, every input fails and nothing any of them wrote is kept: a
    /// file in store/ or quarantine/ never outlives a rollback with no event to account for it.
    public func commit(group: [Prepared]) -> [Result<Outcome, any Error>] {
        let syncs = GroupSync()
        var created: [[String]] = Array(repeating: [], count: group.count)
        var messages = Array(repeating: "", count: group.count)
        let recorded: [Result<Ledger.Recorded, any Error>]
        do {
            recorded = try home.ledger.recordGroup(count: group.count, at: clock(), beforeCommit: { try syncs.flush() }) { index, ledger in
                do {
                    return try record(group[index], in: ledger, syncs: syncs, created: &created[index], message: &messages[index])
                } catch {
                    // Its savepoint is rolled back: so is what it wrote.
                    for path in created[index] {
                        syncs.discard(path)
                        unlink(path)
                    }
                    created[index] = []
                    throw error
                }
            }
        } catch {
            syncs.abandon()
            for path in created.joined() { unlink(path) }
            for prepared in group { if case .staged(let staged) = prepared.kept { store.discard(staged) } }
            return group.map { _ in .failure(error) }
        }
        return group.indices.map { index in
            let prepared = group[index]
            switch recorded[index] {
            case .failure(let error):
                if case .staged(let staged) = prepared.kept { store.discard(staged) }
                return .failure(error)
            case .success(let recorded):
                var outcome = Self.outcome(recorded, sha256: prepared.facts.envelopeSha256, message: messages[index])
                if outcome.status != .rejected { outcome.signedReceipt = prepared.signedReceipt }
                return .success(outcome)
            }
        }
    }

    /// Records one input of a group: the ledger decides where its bytes go (for a replay, the
    /// earlier disposition wins over what this attempt concluded) and they are kept there.
    private func record(_ prepared: Prepared, in ledger: Ledger.Group, syncs: GroupSync,
                        created: inout [String], message: inout String) throws -> Ledger.Recorded {
        var facts = prepared.facts
        let sha256 = facts.envelopeSha256
        // Should it be rejected, are its bytes kept? Not once quarantine/ is full.
        if !quarantineQuota.hasRoom(for: facts.size) { facts.keptBytes = 0 }
        func persist(_ disposition: Disposition) throws(StorageError) {
            switch disposition {
            case .store:
                let path: String? = switch prepared.kept {
                case .memory(let bytes): try self.store.keep(bytes, sha256: sha256, syncs: syncs)
                case .staged(let staged): try self.store.keep(staged, syncs: syncs)
                }
                created += path.map { [$0] } ?? []
            case .quarantine(let reason, let why):
                if case .failure(let rejection) = prepared.result, rejection.reason == reason {
                    message = rejection.message
                } else if !why.isEmpty {
                    message = why
                }
                if facts.keptBytes == 0 { message += QuarantineQuota.fullNote }
                let record = EnvelopeStore.Record(reason: reason, message: message, receivedAt: facts.receivedAt,
                                                  originalName: prepared.originalName, channel: facts.channel, size: facts.size,
                                                  sha256: sha256, keptBytes: facts.keptBytes)
                guard facts.keptBytes != 0 else {
                    if case .staged(let staged) = prepared.kept { store.discard(staged) }
                    if try store.writeRecord(record, name: sha256, syncs: syncs) { created.append("\(home.layout.quarantine)/\(sha256).json") }
                    return
                }
                let paths: [String] = switch prepared.kept {
                case .memory(let bytes): try self.store.quarantine(bytes, sha256: sha256, record: record, syncs: syncs)
                case .staged(let staged): try self.store.quarantine(staged, record: record, syncs: syncs)
                }
                if paths.contains(store.quarantinedPath(sha256)) { quarantineQuota.kept(facts.size) }
                created += paths
            }
        }
        return switch prepared.result {
        case .failure(let rejection):
            try ledger.recordRejection(rejection.reason, facts: facts, inputKey: prepared.inputKey) { try persist($0) }
        case .success(let opened):
            try ledger.recordOpened(opened, facts: facts, inputKey: prepared.inputKey) { try persist($0) }
        }
    }

    static func outcome(_ recorded: Ledger.Recorded, sha256: String, message: String) -> Outcome {
        let status: Outcome.Status = switch recorded.kind {
        case .submissionAccepted: recorded.complete == false ? .acceptedIncomplete : .accepted
        case .submissionDuplicate: .duplicate
        default: .rejected
        }
        return Outcome(status: status, reason: recorded.reason, message: message.isEmpty ? recorded.message : message,
                       envelopeSha256: sha256, caseRef: recorded.caseRef, agencyId: recorded.agencyId,
                       version: recorded.version, duplicateOf: recorded.duplicateOf, missing: recorded.missing, ledgerIndex: recorded.ledgerIndex,
                       treeSize: recorded.treeSize, isNew: recorded.isNew)
    }

    /// The registered agencies' certificates, reloaded when an agency certificate is added.
    func knownSigners() throws -> [Certificate] {
        let count = try home.ledger.pinnedCertificateCount()
        if let cached = signerCache.withLock({ $0.count == count ? $0.certificates : nil }) { return cached }
        let pems = try home.ledger.pinnedCertificatePEMs()
        let certificates = try pems.flatMap { try Certificate.all(pem: Array($0.utf8)) }
        signerCache.withLock { $0 = (pems.count, certificates) }
        return certificates
    }
}
