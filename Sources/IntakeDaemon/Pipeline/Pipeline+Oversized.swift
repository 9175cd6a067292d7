import Glibc
public import IntakeCore
import IntakeLedger

extension Pipeline {
    /// An input over `max_envelope_bytes`, read from `fd`: hashed whole while at most its
    /// first `max_envelope_bytes` are copied into quarantine (nothing, when quarantine/ is
    /// full), never held in memory whole, then recorded as `too-large` with its true size and
    /// SHA-256 and what was kept (`keptBytes`, `keptSha256`). So no input, however large or
    /// sparse, writes more than `max_envelope_bytes`. `inputKey` makes the input's key from its
    /// hash (drop-directory replays).
    public func processOversized(fd: Int32, channel: String, originalName: String?, receivedAt: UTCInstant,
                                 inputKey: (String) -> String?) throws -> Outcome {
        let layout = home.layout
        let limit = home.settings.policy.maxEnvelopeBytes
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StorageError.errno("cannot stat", originalName ?? "input") }
        let keeps = quarantineQuota.hasRoom(for: min(Int(info.st_size), limit))
        let temporary = "\(layout.quarantine)/\(DurableFile.temporaryName("large"))"
        let out = keeps ? open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) : -1
        guard !keeps || out >= 0 else { throw StorageError.errno("cannot create", temporary) }
        let hasher = SHA256Hasher(), prefixHasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        var failure: StorageError?
        copy: while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 { if errno == EINTR { continue }; failure = .errno("cannot read", originalName ?? "input"); break }
            if got == 0 { break }
            let kept = max(0, min(got, limit - total))  // of this chunk, what falls in the first `limit` bytes
            total += got
            let ok = buffer.withUnsafeBytes { raw -> Bool in
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[..<got]))
                guard kept > 0 else { return true }
                prefixHasher.update(UnsafeRawBufferPointer(rebasing: raw[..<kept]))
                guard keeps else { return true }
                var offset = 0
                while offset < kept {
                    let written = write(out, raw.baseAddress! + offset, kept - offset)
                    if written < 0 { if errno == EINTR { continue }; return false }
                    offset += written
                }
                return true
            }
            if !ok { failure = .errno("cannot write", temporary); break copy }
        }
        if keeps {
            if failure == nil, fsync(out) != 0 { failure = .errno("cannot fsync", temporary) }
            if failure == nil { fchmod(out, 0o440) }
            close(out)
            if failure != nil { unlink(temporary) }
        }
        if let failure { throw failure }
        let sha256 = hasher.finalizeHex()
        let keptBytes = keeps ? min(total, limit) : 0
        let key = inputKey(sha256)
        // A replay of an input recorded before (under a larger limit, say) goes where the
        // ledger put it; a new one goes to quarantine.
        let prior = try key.flatMap { try home.ledger.recorded(inputKey: $0) }
        let final = prior?.disposition == .store ? store.storedPath(sha256) : store.quarantinedPath(sha256)
        var created = false
        if keeps {
            if access(final, F_OK) == 0 {
                unlink(temporary)
                try DurableFile.syncExisting(final)
            } else {
                try DurableFile.move(temporary, to: final)
                created = true
                quarantineQuota.kept(keptBytes)
            }
        }
        var message = "\(total) bytes is over the limit of \(limit)"
        message += keeps ? (keptBytes < total ? "; its first \(keptBytes) bytes are kept" : "") : QuarantineQuota.fullNote
        let whole = keptBytes == total
        let facts = SubmissionFacts(channel: channel, envelopeSha256: sha256, size: total, receivedAt: receivedAt,
                                    keptBytes: whole ? nil : keptBytes, keptSha256: whole || keptBytes == 0 ? nil : prefixHasher.finalizeHex())
        let record = EnvelopeStore.Record(reason: .tooLarge, message: message, receivedAt: receivedAt,
                                          originalName: originalName, channel: channel, size: total, sha256: sha256,
                                          keptBytes: facts.keptBytes)
        let recorded: Ledger.Recorded
        do {
            recorded = try home.ledger.recordRejection(.tooLarge, facts: facts, inputKey: key, at: clock()) { disposition in
                if case .quarantine = disposition { try store.writeRecord(record, name: sha256) }
            }
        } catch {
            if created { unlink(final) }
            throw error
        }
        return Self.outcome(recorded, sha256: sha256, message: message)
    }
}
