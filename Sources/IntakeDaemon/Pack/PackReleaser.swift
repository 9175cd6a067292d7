public import IntakeCore
public import Logging
public import IntakeCrypto
import IntakeLedger
import Dispatch
import Glibc
import Synchronization

/// Releases meeting packs (issue 5, docs/meeting-pack.md): opens each expected agency's
/// latest stored envelope again (in memory), builds the pack (`MeetingPack`), encrypts it as
/// a CMS AuthEnvelopedData (AES-256-GCM) to every certificate in `pack-recipients/`, writes
/// `packs/REF/pack-N.p7m` durably, then records `pack-released` naming its SHA-256. The
/// plaintext archive lives in memory only and is wiped once encrypted.
public final class PackReleaser: Sendable {
    public struct Released: Sendable, Equatable {
        public var caseRef: String
        public var number: Int
        public var path: String
        public var sha256: String
        public var ledgerIndex: Int
        public var missing: [String]
        public var returns: Int
    }

    let home: Home
    let opener: EnvelopeOpener
    let clock: @Sendable () -> UTCInstant
    /// One release at a time in this process: pack numbers are taken in order.
    private let releasing = Mutex<Void>(())
    /// Whether an automatic release failed for want of storage and has not been made since.
    private let failed = Atomic<Bool>(false)
    /// The code of the last failure logged for each case: a failure that repeats is logged once.
    private let failures = Mutex<[String: String]>([:])
    /// Cases with a requested release (`requestRelease`): false while it waits or runs, true
    /// when more inputs arrived since it began (one more release follows, never more).
    private let requested = Mutex<[String: Bool]>([:])
    private let queue = DispatchQueue(label: "intake.packs")

    /// An automatic release failed because storage did (a full or read-only disk, an I/O
    /// error) and is still due: the deadline sweeper retries it every 2 seconds. (Other
    /// failures, such as an empty pack-recipients/, wait for an admin: retried every minute.)
    public var hasFailedRelease: Bool { failed.load(ordering: .acquiring) }

    public init(home: Home, clock: @escaping @Sendable () -> UTCInstant) throws {
        self.home = home
        opener = try home.opener()
        self.clock = clock
    }

    /// Releases the next pack of `ref` when the automatic policy calls for one (and
    /// `[pack] auto_release` is on); nil otherwise.
    public func releaseIfDue(_ ref: String) throws -> Released? {
        try releasing.withLock { _ in
            guard let record = try home.ledger.caseRecord(ref) else { return nil }
            guard case .release(let number, let missing) = PackPolicy.automatic(record, autoRelease: home.settings.pack.autoRelease)
            else { return nil }
            return try release(record, number: number, missing: missing, reason: nil)
        }
    }

    /// Asks for `ref`'s automatic release after an input, without waiting for it: releases
    /// are made one at a time on the releaser's own queue, and requests for a case coalesce.
    /// While one is pending or being built, further requests for that case only ask for one
    /// more look once it is written: a burst of versions makes a few packs, not one each, the
    /// last with the latest returns. `released` is called with each pack made.
    public func requestRelease(_ ref: String, logger: Logger, released: @escaping @Sendable (Released) -> Void = { _ in }) {
        guard claim(ref) else { return }
        queue.async { [self] in
            for pack in releaseClaimed(ref, logger: logger) { released(pack) }
        }
    }

    /// Takes `ref`'s release for the caller; false when one is already pending or running,
    /// which is then asked to look again once its pack is written.
    private func claim(_ ref: String) -> Bool {
        requested.withLock { requested in
            if requested[ref] != nil {
                requested[ref] = true
                return false
            }
            requested[ref] = false
            return true
        }
    }

    /// Releases a claimed case until no request came in while its last pack was built.
    private func releaseClaimed(_ ref: String, logger: Logger) -> [Released] {
        var made: [Released] = []
        while true {
            if let pack = releaseIfDueLogging(ref, logger: logger) { made.append(pack) }
            let again = requested.withLock { requested -> Bool in
                if requested[ref] == true {
                    requested[ref] = false
                    return true
                }
                requested[ref] = nil
                return false
            }
            if !again { return made }
        }
    }

    /// `intake pack release REF [--override --reason TEXT]`.
    public func release(_ ref: String, overrideReason: String?) throws -> Released {
        try releasing.withLock { _ in
            guard let record = try home.ledger.caseRecord(ref) else { throw HomeError("unknown-case", "no case \(ref)") }
            switch PackPolicy.onDemand(record, override: overrideReason != nil) {
            case .refuse(let code, let message): throw HomeError(code, message)
            case .hold: throw HomeError("not-ready", "nothing to release")
            case .release(let number, let missing):
                return try release(record, number: number, missing: missing, reason: missing.isEmpty ? nil : overrideReason)
            }
        }
    }

    /// The certificates in `pack-recipients/` (`*.pem`, `*.crt`).
    public func recipients() throws -> [Certificate] {
        var certificates: [Certificate] = []
        for name in try Directory.names(in: home.layout.packRecipients).sorted() where name.hasSuffix(".pem") || name.hasSuffix(".crt") {
            // A file that cannot be read is a storage failure (retried soon), not a bad certificate.
            let pem = try DurableFile.read("\(home.layout.packRecipients)/\(name)")
            do {
                certificates += try Certificate.all(pem: pem)
            } catch {
                throw HomeError("bad-recipient", "pack-recipients/\(name) holds no readable PEM certificate")
            }
        }
        guard !certificates.isEmpty else {
            throw HomeError("no-recipients", "pack-recipients/ holds no certificate to encrypt the meeting pack to")
        }
        return certificates
    }

    private func release(_ record: CaseRecord, number: Int, missing: [String], reason: String?) throws -> Released {
        let recipients = try recipients()
        let now = clock()
        let ledger = home.ledger
        guard let checkpoint = try ledger.latestSignedCheckpoint() else { throw HomeError("no-checkpoint", "the ledger has no checkpoint") }
        let known = try ledger.pinnedCertificatePEMs().flatMap { try Certificate.all(pem: Array($0.utf8)) }
        var returns: [MeetingPack.Return] = []
        for agency in record.agencies {
            guard let latest = record.latest[agency] else { continue }
            let stored = try DurableFile.read(EnvelopeStore(layout: home.layout).storedPath(latest.envelopeSha256), limit: 5 << 30)
            guard SHA256.hex(stored) == latest.envelopeSha256 else {
                throw HomeError("envelope-altered", "store/\(latest.envelopeSha256).p7m no longer hashes to its name")
            }
            // Opened as at its receipt: a certificate that has expired since does not matter.
            let content: [UInt8]
            switch opener.open(stored, receivedAt: latest.receivedAt.secondsSinceEpoch, knownSigners: known) {
            case .failure(let rejection):
                throw HomeError("envelope-unreadable", "store/\(latest.envelopeSha256).p7m no longer opens (\(rejection.reason.rawValue))")
            case .success(let opened): content = opened.content
            }
            guard SHA256.hex(content) == latest.contentSha256, let document = ScopingReturn.validate(bytes: content).scopingReturn else {
                throw HomeError("content-mismatch", "the return in store/\(latest.envelopeSha256).p7m is not the one recorded")
            }
            let proof = try ledger.tlogProof(index: latest.ledgerIndex).format()
            returns.append(MeetingPack.Return(agencyId: agency, record: latest, content: content, document: document, tlogProof: proof))
        }
        let status = CaseStatus(record: record, timescales: home.settings.timescales, calendar: home.calendar, today: now.londonDate)
        let input = MeetingPack.Input(partnership: home.settings.partnership, status: status, number: number, releasedAt: now,
                                      overrideReason: reason, missing: missing, returns: returns, checkpoint: checkpoint.note,
                                      calendar: home.calendar)
        var archive = try MeetingPack.archive(input)
        defer { archive.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } } }
        let sealed = try EnvelopeSealer.encrypt(archive, to: recipients, cipher: .aes256GCM)
        let directory = "\(home.layout.packs)/\(record.ref)"
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw StorageError.errno("cannot create", directory) }
        let name = "pack-\(number).p7m"
        try DurableFile.write(sealed, to: directory, name: name, mode: 0o440)
        let sha256 = SHA256.hex(sealed)
        let index = try ledger.recordPack(ref: record.ref, number: number, sha256: sha256,
                                          returnIndices: PackPolicy.currentReturns(record),
                                          recipients: recipients.map(\.fingerprint), missing: missing, overrideReason: reason, at: now)
        return Released(caseRef: record.ref, number: number, path: "\(directory)/\(name)", sha256: sha256, ledgerIndex: index,
                        missing: missing, returns: returns.count)
    }
}

extension PackReleaser {
    /// `releaseIfDue` for the daemon: logs each release, and why one failed (once while the
    /// same failure repeats), and never throws.
    @discardableResult
    public func releaseIfDueLogging(_ ref: String, logger: Logger) -> Released? {
        do {
            let released = try releaseIfDue(ref)
            failures.withLock { $0[ref] = nil }
            if let released { log(released, logger: logger) }
            return released
        } catch {
            let code = errorCode(error)
            let repeated = failures.withLock { failures in
                defer { failures[ref] = code }
                return failures[ref] == code
            }
            if !repeated { logger.error("meeting pack not released", metadata: ["case": "\(ref)", "error": "\(code)"]) }
            if isStorageFailure(error) { failed.store(true, ordering: .releasing) }
            return nil
        }
    }

    /// Every open case's due release (the daemon's sweeps and `serve --once`), logging as
    /// `releaseIfDueLogging`; `hasFailedRelease` then says whether one failed.
    @discardableResult
    public func releaseAllDueLogging(_ logger: Logger) -> [Released] {
        failed.store(false, ordering: .releasing)
        let records: [CaseRecord]
        do {
            records = try home.ledger.caseRecords()
        } catch {
            if isStorageFailure(error) { failed.store(true, ordering: .releasing) }
            return []
        }
        // A case whose release is already pending or running is only asked to look again,
        // and counts as failed for now: the sweeper comes back within 2 seconds, so that a
        // release that fails there is retried even if this pass reset the flag first.
        var made: [Released] = []
        var busy = false
        for record in records where !record.isClosed {
            if claim(record.ref) { made += releaseClaimed(record.ref, logger: logger) } else { busy = true }
        }
        if busy { failed.store(true, ordering: .releasing) }
        return made
    }

    func log(_ released: Released, logger: Logger) {
        logger.info("meeting pack released", metadata: [
            "case": "\(released.caseRef)", "pack": "\(released.number)", "sha256": "\(released.sha256.prefix(16))",
            "index": "\(released.ledgerIndex)", "returns": "\(released.returns)",
            "missing": "\(released.missing.isEmpty ? "none" : released.missing.joined(separator: ","))",
        ])
    }
}
