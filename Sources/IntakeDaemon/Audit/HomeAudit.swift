public import IntakeCore
public import IntakeLedger
import IntakeCrypto
import Glibc

/// `intake verify`: the ledger audit (`LedgerAudit`) plus the files: every event's envelope
/// is in store/ (accepted, duplicate) or quarantine/ (rejected) with the right SHA-256, and
/// nothing sits in store/ that no event accounts for.
public enum HomeAudit {
    public static func run(_ home: Home, exportedCheckpoints: [SignedNote] = []) throws -> LedgerAudit {
        let key = home.ledgerVerifierKey
        var audit = try home.ledger.audit(isSigned: { $0.isSigned(by: key) }, extraCheckpoints: exportedCheckpoints)
        let store = EnvelopeStore(layout: home.layout)
        var referenced = Set<String>()
        for reference in audit.envelopes {
            // An input rejected unopened (a symlink, a FIFO, a directory, a hard link) is kept as
            // its record only (homes before issue 12 also moved the entry to quarantine/ID.p7m).
            // So is a rejection recorded while the quarantine was full.
            if reference.unopened || reference.recordOnly {
                let record = "\(home.layout.quarantine)/\(reference.sha256).json"
                var info = stat()
                if lstat(record, &info) != 0 || info.st_mode & S_IFMT != S_IFREG {
                    audit.findings.append(.init(code: "envelope-missing", index: reference.index,
                                                message: "quarantine/\(reference.sha256).json, the record of a rejection kept without its bytes, is missing"))
                }
                continue
            }
            let path = reference.inStore ? store.storedPath(reference.sha256) : store.quarantinedPath(reference.sha256)
            if reference.inStore { referenced.insert(reference.sha256) }
            var info = stat()
            guard lstat(path, &info) == 0 else {
                audit.findings.append(.init(code: "envelope-missing", index: reference.index,
                                            message: "\(reference.inStore ? "store" : "quarantine")/\(reference.sha256).p7m is missing"))
                continue
            }
            // A larger input keeps only its first max_envelope_bytes: they hash to keptSha256.
            guard info.st_mode & S_IFMT == S_IFREG, let actual = hashFile(path), actual == reference.keptSha256 ?? reference.sha256 else {
                audit.findings.append(.init(code: "envelope-altered", index: reference.index,
                                            message: "\(reference.inStore ? "store" : "quarantine")/\(reference.sha256).p7m no longer hashes to its name"))
                continue
            }
        }
        // Every released pack is in packs/REF/ with the SHA-256 its event names; no pack file
        // is there without one.
        for record in try home.ledger.caseRecords() {
            let directory = "\(home.layout.packs)/\(record.ref)"
            for pack in record.packs {
                let name = "pack-\(pack.number).p7m"
                guard let actual = hashFile("\(directory)/\(name)") else {
                    audit.findings.append(.init(code: "pack-missing", index: pack.ledgerIndex, message: "packs/\(record.ref)/\(name) is missing"))
                    continue
                }
                if actual != pack.sha256 {
                    audit.findings.append(.init(code: "pack-altered", index: pack.ledgerIndex,
                                                message: "packs/\(record.ref)/\(name) no longer hashes to what its event names"))
                }
            }
            let recorded = Set(record.packs.map { "pack-\($0.number).p7m" })
            for name in (try? Directory.names(in: directory)) ?? [] where !name.hasPrefix(".") && !recorded.contains(name) {
                audit.findings.append(.init(code: "unrecorded-file", index: nil, message: "packs/\(record.ref)/\(name) is not accounted for by any event"))
            }
        }
        for name in (try? Directory.names(in: home.layout.store)) ?? [] where !name.hasPrefix(".") {
            let sha = name.hasSuffix(".p7m") ? String(name.dropLast(4)) : name
            if !referenced.contains(sha) {
                audit.findings.append(.init(code: "unrecorded-file", index: nil, message: "store/\(name) is not accounted for by any event"))
            }
        }
        return audit
    }

    /// SHA-256 of a file, streamed.
    static func hashFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 { if errno == EINTR { continue }; return nil }
            if got == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<got])) }
        }
        return hasher.finalizeHex()
    }
}
