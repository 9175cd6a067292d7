public import IntakeCore
import Glibc
import Synchronization

/// `store/` and `quarantine/`: every input kept exactly as received, named by the SHA-256
/// of its bytes. Stored envelopes are read-only (0444); a file already present under its
/// hash is never rewritten.
public struct EnvelopeStore: Sendable {
    public let layout: HomeLayout

    public init(layout: HomeLayout) { self.layout = layout }

    /// Makes an accepted (or duplicate) envelope durable in `store/` (its directory entry
    /// when `syncs` is flushed, if given).
    /// Returns the path it created, or nil when the same bytes were already kept.
    @discardableResult
    public func keep(_ bytes: [UInt8], sha256: String, syncs: GroupSync? = nil) throws(StorageError) -> String? {
        try DurableFile.write(bytes, to: layout.store, name: "\(sha256).p7m", mode: 0o440, skipIfExists: true, syncs: syncs)
            ? storedPath(sha256) : nil
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
        /// How many of its bytes were kept when not all (see `SubmissionFacts.keptBytes`).
        public var keptBytes: Int?

        public init(reason: ReasonCode, message: String, receivedAt: UTCInstant, originalName: String?, channel: String,
                    size: Int, sha256: String?, keptBytes: Int? = nil) {
            self.reason = reason
            self.message = message
            self.receivedAt = receivedAt
            self.originalName = originalName
            self.channel = channel
            self.size = size
            self.sha256 = sha256
            self.keptBytes = keptBytes
        }

        public var json: JSONValue {
            var members: [String: JSONValue] = [
                "reason": .string(reason.rawValue), "message": .string(message),
                "receivedAt": .string(receivedAt.rfc3339(milliseconds: true)),
                "originalName": originalName.map(JSONValue.string) ?? .null,
                "channel": .string(channel), "size": .int(size),
            ]
            if let sha256 { members["envelopeSha256"] = .string(sha256) }
            if let keptBytes { members["keptBytes"] = .int(keptBytes) }
            return .object(members)
        }
    }

    /// Makes a rejected input durable in `quarantine/` as `SHA256.p7m`, with `SHA256.json`.
    /// The first record for a given hash is kept (the ledger has every later one).
    /// Returns the paths it created (the input and its record), empty when both existed.
    @discardableResult
    public func quarantine(_ bytes: [UInt8], sha256: String, record: Record, syncs: GroupSync? = nil) throws(StorageError) -> [String] {
        var created: [String] = []
        if try DurableFile.write(bytes, to: layout.quarantine, name: "\(sha256).p7m", mode: 0o440, skipIfExists: true, syncs: syncs) {
            created.append(quarantinedPath(sha256))
        }
        if try writeRecord(record, name: sha256, syncs: syncs) { created.append("\(layout.quarantine)/\(sha256).json") }
        return created
    }

    @discardableResult
    func writeRecord(_ record: Record, name: String, syncs: GroupSync? = nil) throws(StorageError) -> Bool {
        try DurableFile.write(Array((PrettyJSON.encode(record.json) + "\n").utf8), to: layout.quarantine,
                              name: "\(name).json", mode: 0o440, skipIfExists: true, syncs: syncs)
    }

    /// An input written durably to a temporary name in `store/` as soon as it is hashed, so
    /// that its bytes need not stay in memory while it is opened; `commit` later renames it to
    /// `store/SHA256.p7m` or `quarantine/SHA256.p7m`. A crash leaves a `.tmp-` file that
    /// start-up sweeps away (the input is still in the drop directory, or was never answered).
    public final class Staged: Sendable {
        public let sha256: String
        let path: String
        /// Open until the input is placed: `place` fsyncs it then, on the recording thread,
        /// so the workers that stage inputs never wait on the disk. Closed exactly once.
        private let descriptor: Mutex<Int32?>

        init(sha256: String, path: String, fd: Int32) {
            self.sha256 = sha256
            self.path = path
            descriptor = Mutex(fd)
        }

        deinit { close() }

        /// fsyncs the staged file; false when it could not be (or was already closed).
        func sync() -> Bool {
            descriptor.withLock { fd in fd.map { fsync($0) == 0 } ?? false }
        }

        func close() {
            descriptor.withLock { fd in
                if let open = fd { Glibc.close(open) }
                fd = nil
            }
        }
    }

    public func stage(_ bytes: [UInt8], sha256: String) throws(StorageError) -> Staged {
        let path = "\(layout.store)/\(DurableFile.temporaryName("stage"))"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o440)
        guard fd >= 0 else { throw .errno("cannot create", path) }
        do throws(StorageError) {
            try DurableFile.writeAll(bytes, to: fd, path: path)
        } catch {
            Glibc.close(fd)
            unlink(path)
            throw error
        }
        return Staged(sha256: sha256, path: path, fd: fd)
    }

    /// Makes a staged input durable in `store/` under its hash.
    @discardableResult
    public func keep(_ staged: Staged, syncs: GroupSync? = nil) throws(StorageError) -> String? {
        try place(staged, at: storedPath(staged.sha256), syncs: syncs) ? storedPath(staged.sha256) : nil
    }

    /// Makes a staged input durable in `quarantine/` under its hash, with its record.
    @discardableResult
    public func quarantine(_ staged: Staged, record: Record, syncs: GroupSync? = nil) throws(StorageError) -> [String] {
        var created: [String] = []
        if try place(staged, at: quarantinedPath(staged.sha256), syncs: syncs) { created.append(quarantinedPath(staged.sha256)) }
        if try writeRecord(record, name: staged.sha256, syncs: syncs) { created.append("\(layout.quarantine)/\(staged.sha256).json") }
        return created
    }

    /// Removes a staged input that will not be recorded (a failure before commit).
    public func discard(_ staged: Staged) {
        staged.close()
        unlink(staged.path)
    }

    /// Returns false when the same bytes were already kept under `final`.
    private func place(_ staged: Staged, at final: String, syncs: GroupSync?) throws(StorageError) -> Bool {
        defer { staged.close() }
        if syncs?.isPending(final) == true {  // the same bytes, written earlier in this group
            unlink(staged.path)
            return false
        }
        if access(final, F_OK) == 0 {
            unlink(staged.path)  // the same bytes are already kept under this name
            try DurableFile.syncExisting(final, syncs: syncs)
            return false
        }
        guard staged.sync() else { throw .errno("cannot fsync", staged.path) }
        try DurableFile.move(staged.path, to: final, syncs: syncs)
        return true
    }

    /// Deletes temporaries in store/ and quarantine/ left by processes that are gone.
    /// Removes dead processes' temporary files from every folder the intake writes durably
    /// into: store/, quarantine/, each receipts/AGENCY/ and packs/REF/, and the home itself
    /// (an imported calendar). A crash between writing a temporary file and renaming it leaves
    /// one behind; nothing refers to it.
    public func sweepTemporaries() {
        var folders = [layout.store, layout.quarantine, layout.root]
        for parent in [layout.receipts, layout.packs] {
            for name in (try? Directory.names(in: parent)) ?? [] where !name.hasPrefix(".") && Directory.isDirectory("\(parent)/\(name)") {
                folders.append("\(parent)/\(name)")
            }
        }
        for folder in folders { DurableFile.sweepTemporaries(in: folder) }
    }

    public func storedPath(_ sha256: String) -> String { "\(layout.store)/\(sha256).p7m" }
    public func quarantinedPath(_ name: String) -> String { "\(layout.quarantine)/\(name).p7m" }

    public func isStored(_ sha256: String) -> Bool { access(storedPath(sha256), F_OK) == 0 }
    public func isQuarantined(_ name: String) -> Bool { access(quarantinedPath(name), F_OK) == 0 }
}
