import IntakeCore
import IntakeLedger
import Dispatch
import Glibc
import Synchronization

/// The drop directory (DESIGN §5): writers write into `drop/tmp/` (or `drop/AGENCY/tmp/`)
/// and rename into `drop/new/` (or `drop/AGENCY/new/`), as in Maildir. Each input in a `new/`
/// folder goes through the pipeline and leaves the folder only once its bytes are durable in
/// store/ or quarantine/ and its ledger event is committed.
///
/// Inputs are opened without following symlinks, and only regular files with one link are
/// read: a symlink, FIFO, socket, device, directory or hard link is recorded as a rejection
/// (`not-a-regular-file`) whose quarantine record is all that is kept, and its entry is removed
/// from the inbox unopened (a directory that cannot be removed is left, recorded once).
/// Dotfiles are ignored (writers' temporaries). Names are bytes: one that is not UTF-8, or that
/// holds controls or bidirectional overrides, is handled under its `EscapedName`, which is also
/// how it is recorded and logged. A `kill -9` at any instant loses nothing and records
/// nothing twice: a replayed input is recognised by its input key (path, inode, times and
/// content hash) and only its remaining steps run. An accepted or duplicate input's signed
/// receipt is written to `receipts/AGENCY/` before the input is removed.
public final class DropDirectory: Sendable {
    public let pipeline: Pipeline
    let layout: HomeLayout
    let store: EnvelopeStore
    let receipts: ReceiptIssuer
    /// Input keys of entries recorded as record-only rejections that could not be removed (a
    /// directory someone else owns, or not empty): not recorded or reported again.
    let stuck = Mutex<Set<String>>([])

    public init(pipeline: Pipeline) throws {
        self.pipeline = pipeline
        layout = pipeline.home.layout
        store = EnvelopeStore(layout: layout)
        receipts = try ReceiptIssuer(home: pipeline.home)
    }

    /// The `new/` folders, relative to `drop/`: `new` and each `AGENCY/new`. Throws when drop/
    /// cannot be read.
    public func inboxes() throws(StorageError) -> [String] {
        var result = ["new"]
        for name in try Directory.escapedNames(in: layout.drop).sorted()
        where !name.hasPrefix(".") && name != "new" && name != "tmp"
            && Directory.isDirectory("\(layout.drop)/\(name)") && Directory.isDirectory("\(layout.drop)/\(name)/new") {
            result.append("\(name)/new")
        }
        return result
    }

    /// Every waiting input, relative to `drop/`, in name order per inbox. Throws when a folder
    /// cannot be read (an I/O error): the caller retries, rather than take it for empty.
    public func pending() throws(StorageError) -> [String] {
        var inputs: [String] = []
        for inbox in try inboxes() {
            inputs += try Directory.escapedNames(in: "\(layout.drop)/\(inbox)").filter { !$0.hasPrefix(".") }.sorted().map { "\(inbox)/\($0)" }
        }
        return inputs
    }

    /// Processes every waiting input; returns the outcomes. What cannot be read or recorded
    /// now is left for the next scan.
    @discardableResult
    public func scan(workers: WorkerThreads = .shared, onOutcome: (String, Outcome) -> Void = { _, _ in }) -> [Outcome] {
        var outcomes: [Outcome] = []
        process((try? pending()) ?? [], workers: workers) { relative, result in
            if case .success(let outcome?) = result {
                outcomes.append(outcome)
                onOutcome(relative, outcome)
            }
        }
        return outcomes
    }

    /// Processes the inputs `relatives` (each relative to `drop/`), reporting each one's result
    /// in order: nil when it was gone or not ours to take, an error (storage or ledger) when
    /// it was left where it is to be retried. Inputs are read and opened on `workers`, several
    /// at once, and recorded on this thread with the ones ready at the same time committed as
    /// one group; their receipts are then written and the inputs removed, one fsync per
    /// folder for the group.
    public func process(_ relatives: [String], workers: WorkerThreads = .shared,
                        report: (String, Result<Outcome?, any Error>) -> Void) {
        let limit = pipeline.home.settings.policy.maxEnvelopeBytes
        let inboxes = InboxCache()  // each inbox opened once for the batch
        // A group's receipts and removals (`finish`) run on their own thread while this one
        // records the next group: the two halves of the work overlap. Results are reported
        // here, in input order, as they come.
        let finisher = DispatchQueue(label: "intake.drop.finish")
        let done = Mutex<[(String, Result<Outcome?, any Error>)]>([])
        func reportDone() {
            for (relative, result) in done.withLock({ done in defer { done = [] }; return done }) { report(relative, result) }
        }
        Pipelined<Result<Taken, any Error>>(workers: workers).run(count: relatives.count, size: { index in
            var info = stat()
            return lstat("\(layout.drop)/\(relatives[index])", &info) == 0 ? min(Int(info.st_size), limit) : 0
        }, prepare: { index in
            Result { try self.take(relatives[index], inboxes: inboxes) }
        }, record: { group in
            reportDone()
            // Each input of the group, in order: its result now, or its committed outcome to finish.
            var slots: [(relative: String, result: Result<Outcome?, any Error>?, ready: Int?)] = []
            var ready: [(prepared: Pipeline.Prepared, input: Input)] = []
            for (index, taken) in group {
                let relative = relatives[index]
                switch taken {
                case .failure(let error): slots.append((relative, .failure(error), nil))
                case .success(.gone): slots.append((relative, .success(nil), nil))
                case .success(.other): slots.append((relative, Result { try process(relative) }, nil))
                case .success(.prepared(let prepared, let input)):
                    slots.append((relative, nil, ready.count))
                    ready.append((prepared, input))
                }
            }
            let committed = ready.isEmpty ? [] : pipeline.commit(group: ready.map(\.prepared))
            let items = zip(ready.map(\.input), committed).map { ($0, $1) }
            finisher.async { [self, slots] in
                let finished = items.isEmpty ? [] : finish(items)
                let ordered = slots.map { slot in (slot.relative, slot.result ?? finished[slot.ready!]) }
                done.withLock { $0 += ordered }
            }
        })
        finisher.sync {}
        reportDone()
    }

    /// Processes one input (`relative` to `drop/`). Returns nil when it is gone or not ours
    /// to take (a dotfile, a path outside the inboxes). Throws on storage or ledger failure,
    /// leaving the input where it is to be retried.
    public func process(_ relative: String) throws -> Outcome? {
        let path = "\(layout.drop)/\(relative)"
        guard let (inbox, name, info) = try openEntry(relative) else { return nil }
        defer { close(inbox) }
        guard info.st_mode & S_IFMT == S_IFREG, info.st_nlink <= 1 else {
            return try rejectUnopened(relative, inbox: inbox, name: name, info: info)
        }
        let fd = openat(inbox, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            if errno == ELOOP { return try rejectUnopened(relative, inbox: inbox, name: name, info: info) }
            throw StorageError.errno("cannot open", path)
        }
        defer { close(fd) }
        guard let opened = try Self.sameRegularFile(fd, as: info, path: path) else { return nil }
        // A link made after the listing: the file is someone else's too.
        guard opened.st_nlink <= 1 else { return try rejectUnopened(relative, inbox: inbox, name: name, info: opened) }
        let outcome: Outcome
        if Int(opened.st_size) > pipeline.home.settings.policy.maxEnvelopeBytes {
            outcome = try pipeline.processOversized(fd: fd, channel: "drop", originalName: relative, receivedAt: pipeline.clock()) {
                Self.inputKey(relative, info: opened, sha256: $0)
            }
        } else {
            outcome = try pipeline.commit(prepare(relative, fd: fd, info: opened))
        }
        // The agency's receipt is durable before the input leaves the drop directory.
        try receipts.issue(for: outcome)
        try Self.removeIfSame(inbox, name, opened, path: path)
        return outcome
    }

    // MARK: - The steps

    /// What a worker made of one waiting input.
    enum Taken: Sendable {
        /// Gone, or not ours to take: nothing to do.
        case gone
        /// Not a regular file, or over the size limit: `process(_:)` takes it, on the recorder.
        case other
        /// Read, hashed and opened, ready to be recorded.
        case prepared(Pipeline.Prepared, Input)
    }

    /// A prepared input's place in its inbox, to remove it once it is recorded: the inbox
    /// stays open (by descriptor) until then.
    final class Input: Sendable {
        let inbox: Int32
        /// The entry's name in its inbox, as the bytes to give the system.
        let name: [CChar]
        let info: stat
        let path: String

        init(inbox: Int32, name: [CChar], info: stat, path: String) {
            self.inbox = inbox
            self.name = name
            self.info = info
            self.path = path
        }

        deinit { close(inbox) }
    }

    /// The worker's half for one input: reads a regular file under the size limit and
    /// prepares it; anything else is left to `process(_:)`.
    func take(_ relative: String, inboxes: InboxCache? = nil) throws -> Taken {
        let path = "\(layout.drop)/\(relative)"
        guard let (inbox, name, info) = try openEntry(relative, inboxes: inboxes) else { return .gone }
        var handed = false
        defer { if !handed { close(inbox) } }
        guard info.st_mode & S_IFMT == S_IFREG, info.st_nlink <= 1, Int(info.st_size) <= pipeline.home.settings.policy.maxEnvelopeBytes
        else { return .other }
        let fd = openat(inbox, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENOENT { return .gone }
            if errno == ELOOP { return .other }
            throw StorageError.errno("cannot open", path)
        }
        defer { close(fd) }
        guard let opened = try Self.sameRegularFile(fd, as: info, path: path) else { return .gone }
        guard Int(opened.st_size) <= pipeline.home.settings.policy.maxEnvelopeBytes, opened.st_nlink <= 1 else { return .other }
        let prepared = try prepare(relative, fd: fd, info: opened)
        handed = true
        return .prepared(prepared, Input(inbox: inbox, name: name, info: opened, path: path))
    }

    /// Reads and prepares a regular file under the size limit, keyed for replays.
    private func prepare(_ relative: String, fd: Int32, info: stat) throws -> Pipeline.Prepared {
        let receivedAt = pipeline.clock()
        let bytes = try DurableFile.readAll(fd, path: "\(layout.drop)/\(relative)",
                                            limit: pipeline.home.settings.policy.maxEnvelopeBytes + 1, sizeHint: Int(info.st_size))
        let sha256 = SHA256.hex(bytes)
        return try pipeline.prepare(consume bytes, channel: "drop", originalName: relative,
                                    inputKey: Self.inputKey(relative, info: info, sha256: sha256), receivedAt: receivedAt,
                                    envelopeSha256: sha256)
    }

    /// After a group is committed: each recorded input's receipt is written (durable, one
    /// fsync per receipts folder) before any of them leaves the drop directory; then the
    /// inputs are removed, one fsync per inbox. An input whose receipt could not be written
    /// stays, to be replayed.
    private func finish(_ items: [(Input, Result<Outcome, any Error>)]) -> [Result<Outcome?, any Error>] {
        let syncs = GroupSync()
        // The group's receipts: one ledger read for them all, signed side by side, then
        // written in order.
        let built = receipts.make(for: items.map { try? $0.1.get() })
        var results: [Result<Outcome?, any Error>] = items.enumerated().map { index, item in
            item.1.flatMap { outcome in
                Result {
                    if let receipt = try built[index].get() { _ = try receipts.write(receipt, syncs: syncs) }
                    return outcome
                }
            }
        }
        do { try syncs.flush() } catch { results = results.map { $0.flatMap { _ in .failure(error) } } }
        var inboxes: [String: Int32] = [:]  // each inbox's folder, and one descriptor of it
        for (index, (input, _)) in items.enumerated() where (try? results[index].get()) != nil {
            do {
                try Self.removeIfSame(input.inbox, input.name, input.info, path: input.path, sync: false)
                inboxes[DurableFile.parent(of: input.path)] = input.inbox
            } catch {
                results[index] = .failure(error)
            }
        }
        for (folder, fd) in inboxes where fsync(fd) != 0 {
            let error = StorageError.errno("cannot fsync directory", folder)
            for (index, (input, _)) in items.enumerated() where DurableFile.parent(of: input.path) == folder {
                results[index] = results[index].flatMap { _ in .failure(error) }
            }
        }
        return results
    }

    /// Checks `relative` names an entry in an inbox and opens that inbox; the inbox's
    /// descriptor, the entry's name (its bytes, NUL-terminated) and its `lstat`, or nil when it
    /// is not ours or gone. `relative` is escaped (`EscapedName`); the system sees the bytes.
    private func openEntry(_ relative: String, inboxes: InboxCache? = nil) throws -> (inbox: Int32, name: [CChar], info: stat)? {
        let components = relative.split(separator: "/")
        guard let name = components.last, !name.hasPrefix("."), components.count <= 3,
              !components.contains(".."), components.dropLast().last == "new",
              components.count == 2 || components[0] != "tmp"
        else { return nil }
        // Every folder on the way is opened without following symlinks, and the input is then
        // reached relative to its inbox's descriptor: a symlink planted in place of an inbox
        // or an agency folder cannot lead the daemon to read or delete files elsewhere.
        let folders = components.dropLast().map(String.init)
        let opened: Int32? = if let inboxes {
            try inboxes.descriptor(folders) { try Self.openInbox(layout.drop, folders) }
        } else {
            try Self.openInbox(layout.drop, folders)
        }
        guard let inbox = opened else { return nil }
        var info = stat()
        let cName = EscapedName.cString(String(name))
        guard fstatat(inbox, cName, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            let number = errno
            close(inbox)
            if number == ENOENT { return nil }
            errno = number
            throw StorageError.errno("cannot stat", "\(layout.drop)/\(relative)")
        }
        return (inbox, cName, info)
    }

    /// The opened file's `fstat`, or nil when it is not the regular file that was listed
    /// (swapped under us: the next event or scan sees the new entry).
    private static func sameRegularFile(_ fd: Int32, as listed: stat, path: String) throws -> stat? {
        var opened = stat()
        guard fstat(fd, &opened) == 0 else { throw StorageError.errno("cannot stat", path) }
        guard opened.st_mode & S_IFMT == S_IFREG, opened.st_ino == listed.st_ino, opened.st_dev == listed.st_dev else { return nil }
        return opened
    }

    /// Opens `drop/` and then each folder of `inbox` (e.g. `["police", "new"]`) with
    /// O_NOFOLLOW; nil when one is missing or is not a real directory. Throws on any other
    /// failure (an I/O error): the input is then retried, not taken for gone.
    static func openInbox(_ drop: String, _ inbox: [String]) throws -> Int32? {
        var fd = open(drop, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.errno("cannot open", drop) }
        for component in inbox {
            let next = openat(fd, EscapedName.cString(component), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let number = errno
            close(fd)
            guard next >= 0 else {
                if number == ENOENT || number == ENOTDIR || number == ELOOP { return nil }
                errno = number
                throw StorageError.errno("cannot open", "\(drop)/\(inbox.joined(separator: "/"))")
            }
            fd = next
        }
        return fd
    }

    /// Removes the processed input from its inbox, but only if the name still holds the file
    /// that was processed: a new delivery renamed over it in the meantime is left for the next
    /// event or scan, never deleted unrecorded.
    /// With `sync` false, the caller fsyncs the inbox.
    static func removeIfSame(_ inbox: Int32, _ name: [CChar], _ processed: stat, path: String, sync: Bool = true) throws {
        var now = stat()
        guard fstatat(inbox, name, &now, AT_SYMLINK_NOFOLLOW) == 0,
              now.st_dev == processed.st_dev, now.st_ino == processed.st_ino
        else { return }
        guard unlinkat(inbox, name, 0) == 0 || errno == ENOENT else { throw StorageError.errno("cannot remove", path) }
        guard !sync || fsync(inbox) == 0 else { throw StorageError.errno("cannot fsync directory", DurableFile.parent(of: path)) }
    }

    /// The identity of a drop-directory input: its path, inode, modification and change times,
    /// and its hash. A new delivery of the same bytes has a new key, even under a reused inode
    /// with a preserved mtime (its rename into new/ sets a new ctime); a replay after a crash
    /// has the same key.
    public static func inputKey(forFileAt path: String, relative: String, sha256: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return inputKey(relative, info: info, sha256: sha256)
    }

    static func inputKey(_ relative: String, info: stat, sha256: String) -> String {
        let identity = "drop\0\(relative)\0\(info.st_dev)\0\(info.st_ino)\0\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            + "\0\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)\0\(sha256)"
        return SHA256.hex(Array(identity.utf8))
    }

    /// A symlink, FIFO, device, socket, directory or a regular file with more than one link:
    /// never opened, and nothing of it kept but its quarantine record (`ID.json`, where ID is
    /// a hash of its input key), made durable before the rejection is recorded (with
    /// `unopened`, so the audit looks for the record, not for bytes). Then its entry is removed
    /// from the inbox, relative to the inbox's descriptor and only if the name still holds it:
    /// a link's name is unlinked (never what it points at or shares), an empty directory is
    /// removed. A directory that cannot be removed (not empty, or someone else's) is left where
    /// it is and not reported again.
    private func rejectUnopened(_ relative: String, inbox: Int32, name: [CChar], info: stat) throws -> Outcome? {
        let id = Self.inputKey(relative, info: info, sha256: "unopened")
        if stuck.withLock({ $0.contains(id) }) { return nil }
        let receivedAt = pipeline.clock()
        let type = info.st_mode & S_IFMT
        let kind = switch type {
        case S_IFLNK: "a symbolic link"
        case S_IFIFO: "a FIFO"
        case S_IFDIR: "a directory"
        case S_IFSOCK: "a socket"
        case S_IFREG: "a file with \(info.st_nlink) hard links"
        default: "a device or special file"
        }
        let message = "\(kind), not a regular file of its own: not opened, and only this record kept"
        let facts = SubmissionFacts(channel: "drop", envelopeSha256: id, size: 0, receivedAt: receivedAt, unopened: true)
        let record = EnvelopeStore.Record(reason: .notARegularFile, message: message, receivedAt: receivedAt,
                                          originalName: relative, channel: "drop", size: 0, sha256: nil)
        let recorded = try pipeline.home.ledger.recordRejection(.notARegularFile, facts: facts, inputKey: id,
                                                               at: pipeline.clock()) { _ in
            try store.writeRecord(record, name: id)
        }
        var now = stat()
        if fstatat(inbox, name, &now, AT_SYMLINK_NOFOLLOW) == 0, now.st_dev == info.st_dev, now.st_ino == info.st_ino {
            if unlinkat(inbox, name, type == S_IFDIR ? AT_REMOVEDIR : 0) == 0 {
                guard fsync(inbox) == 0 else { throw StorageError.errno("cannot fsync directory", DurableFile.parent(of: "\(layout.drop)/\(relative)")) }
            } else if errno != ENOENT {
                guard type == S_IFDIR else { throw StorageError.errno("cannot remove", "\(layout.drop)/\(relative)") }
                // Not empty, or not ours to remove: recorded once, left for its owner.
                stuck.withLock { _ = $0.insert(id) }
                return Pipeline.outcome(recorded, sha256: id, message: message + "; the directory cannot be removed and is left in place")
            }
        }
        return Pipeline.outcome(recorded, sha256: id, message: message)
    }
}

/// The inboxes of one batch, each opened (with `O_NOFOLLOW` at every step) once: every input
/// of the batch gets its own duplicate of the descriptor, closed with it. Saves two path
/// walks per input; an inbox replaced during the batch is still the folder that was opened.
final class InboxCache: Sendable {
    private let descriptors = Mutex<[[String]: Int32]>([:])

    /// A new descriptor (close-on-exec) for the inbox `folders`, opened with `open` the first
    /// time; nil when `open` finds no such folder.
    func descriptor(_ folders: [String], open: () throws -> Int32?) throws -> Int32? {
        if let cached = descriptors.withLock({ $0[folders] }) { return try duplicate(cached) }
        guard let fresh = try open() else { return nil }
        let kept = descriptors.withLock { descriptors -> Int32 in
            if let other = descriptors[folders] { return other }  // another worker was first
            descriptors[folders] = fresh
            return fresh
        }
        if kept != fresh { close(fresh) }
        return try duplicate(kept)
    }

    private func duplicate(_ fd: Int32) throws(StorageError) -> Int32 {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw .errno("cannot duplicate the descriptor of", "an inbox") }
        return copy
    }

    deinit {
        for fd in descriptors.withLock({ Array($0.values) }) { close(fd) }
    }
}
