public import IntakeCore
import Glibc

/// `store/` and `quarantine/`: every input kept exactly as received, named by the SHA-256
/// of its bytes. Stored envelopes are read-only (0444); a file already present under its
/// hash is never rewritten.
public struct EnvelopeStore: Sendable {
    public let layout: HomeLayout

    public init(layout: HomeLayout) { self.layout = layout }

    /// Makes an accepted (or duplicate) envelope durable in `store/`.
    public func keep(_ bytes: [UInt8], sha256: String) throws(StorageError) {
        try DurableFile.write(bytes, to: layout.store, name: "\(sha256).p7m", mode: 0o444, skipIfExists: true)
    }

    /// The JSON record beside a quarantined input (DESIGN §5).
    public struct Record: Sendable {
        public var reason: ReasonCode
        public var message: String
        public var receivedAt: UTCInstant
        public var originalName: String?
        public var channel: String
        public var size: Int
        public var sha256: String?

        public var json: JSONValue {
            var members: [String: JSONValue] = [
                "reason": .string(reason.rawValue), "message": .string(message),
                "receivedAt": .string(receivedAt.rfc3339(milliseconds: true)),
                "originalName": originalName.map(JSONValue.string) ?? .null,
                "channel": .string(channel), "size": .int(size),
            ]
            if let sha256 { members["envelopeSha256"] = .string(sha256) }
            return .object(members)
        }
    }

    /// Makes a rejected input durable in `quarantine/` as `SHA256.p7m`, with `SHA256.json`.
    /// The first record for a given hash is kept (the ledger has every later one).
    public func quarantine(_ bytes: [UInt8], sha256: String, record: Record) throws(StorageError) {
        try DurableFile.write(bytes, to: layout.quarantine, name: "\(sha256).p7m", mode: 0o444, skipIfExists: true)
        try writeRecord(record, name: sha256)
    }

    func writeRecord(_ record: Record, name: String) throws(StorageError) {
        try DurableFile.write(Array((PrettyJSON.encode(record.json) + "\n").utf8), to: layout.quarantine,
                              name: "\(name).json", mode: 0o444, skipIfExists: true)
    }

    /// An input written durably to a temporary name in `store/` as soon as it is hashed, so
    /// that its bytes need not stay in memory while it is opened; `commit` later renames it to
    /// `store/SHA256.p7m` or `quarantine/SHA256.p7m`. A crash leaves a `.tmp-` file that
    /// start-up sweeps away (the input is still in the drop directory, or was never answered).
    public struct Staged: Sendable {
        public let sha256: String
        let path: String
        /// Open until the input is placed: `place` fsyncs it then, on the recording thread,
        /// so the workers that stage inputs never wait on the disk.
        let fd: Int32
    }

    public func stage(_ bytes: [UInt8], sha256: String) throws(StorageError) -> Staged {
        let path = "\(layout.store)/.tmp-stage-\(sha256)-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o444)
        guard fd >= 0 else { throw .errno("cannot create", path) }
        do throws(StorageError) {
            try DurableFile.writeAll(bytes, to: fd, path: path)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        return Staged(sha256: sha256, path: path, fd: fd)
    }

    /// Makes a staged input durable in `store/` under its hash.
    public func keep(_ staged: Staged) throws(StorageError) {
        try place(staged, at: storedPath(staged.sha256))
    }

    /// Makes a staged input durable in `quarantine/` under its hash, with its record.
    public func quarantine(_ staged: Staged, record: Record) throws(StorageError) {
        try place(staged, at: quarantinedPath(staged.sha256))
        try writeRecord(record, name: staged.sha256)
    }

    /// Removes a staged input that will not be recorded (a failure before commit).
    public func discard(_ staged: Staged) {
        close(staged.fd)
        unlink(staged.path)
    }

    private func place(_ staged: Staged, at final: String) throws(StorageError) {
        defer { close(staged.fd) }
        if access(final, F_OK) == 0 {
            unlink(staged.path)  // the same bytes are already kept under this name
            return
        }
        guard fsync(staged.fd) == 0 else { throw .errno("cannot fsync", staged.path) }
        try DurableFile.move(staged.path, to: final)
    }

    public func storedPath(_ sha256: String) -> String { "\(layout.store)/\(sha256).p7m" }
    public func quarantinedPath(_ name: String) -> String { "\(layout.quarantine)/\(name).p7m" }

    public func isStored(_ sha256: String) -> Bool { access(storedPath(sha256), F_OK) == 0 }
    public func isQuarantined(_ name: String) -> Bool { access(quarantinedPath(name), F_OK) == 0 }
}
