import Dispatch
import IntakeCore
import Glibc
import Synchronization

/// Watches the drop directory's inboxes with inotify(7): `IN_CLOSE_WRITE` and `IN_MOVED_TO`
/// on `drop/new` and every `drop/AGENCY/new` (and `IN_CREATE` for entries made in place that
/// no write follows: links, FIFOs, directories), and `IN_CREATE`/`IN_MOVED_TO` of folders on
/// `drop/` and `drop/AGENCY/` so new agency inboxes are picked up as they appear. Events are
/// paths relative to `drop/`; `.rescan` asks for a full scan (queue overflow).
final class InotifyWatcher: Sendable {
    enum Event: Sendable, Equatable {
        case input(String)
        case rescan
    }

    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let fd: Int32
    private let root: String
    private let watches = Mutex<[Int32: String]>([:])
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(dropDirectory root: String) throws(StorageError) {
        self.root = root
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw .errno("inotify_init1 failed for", root) }
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        try addWatch("", folder: true)
        for name in try Directory.escapedNames(in: root) where !name.hasPrefix(".") && name != "tmp" {
            if name == "new" {
                try addWatch("new", folder: false)
            } else if Directory.isDirectory("\(root)/\(name)") {
                try addWatch(name, folder: true)
                if Directory.isDirectory("\(root)/\(name)/new") { try addWatch("\(name)/new", folder: false) }
            }
        }
        let queue = DispatchQueue(label: "intake.inotify")
        queue.async { [self] in readLoop() }
    }

    deinit { close(fd) }

    /// Stops reading and ends the event stream.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }

    /// `folder`: watch for sub-folders being created (drop/ and drop/AGENCY/); otherwise an
    /// inbox: watch for files being closed or moved in.
    private func addWatch(_ relative: String, folder: Bool) throws(StorageError) {
        let path = relative.isEmpty ? root : "\(root)/\(relative)"
        let mask: UInt32 = folder
            ? UInt32(IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW)
            : UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW)
        let wd = inotify_add_watch(fd, path, mask)
        guard wd >= 0 else { throw .errno("cannot watch", path) }
        watches.withLock { $0[wd] = relative }
    }

    private func readLoop() {
        defer {
            continuation.finish()
            finished.signal()
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !stopped.load(ordering: .acquiring) {
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollfd, 1, 200)
            if ready <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { continue }
            var offset = 0
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= count {
                let (wd, mask, length) = buffer.withUnsafeBytes { raw in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                let nameBytes = buffer[(offset + headerSize)..<min(offset + headerSize + length, count)]
                let name = EscapedName.escape(nameBytes.prefix { $0 != 0 })  // names are bytes
                offset += headerSize + length
                handle(wd: wd, mask: mask, name: name)
            }
        }
    }

    private func handle(wd: Int32, mask: UInt32, name: String) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            continuation.yield(.rescan)
            return
        }
        guard let directory = watches.withLock({ $0[wd] }), !name.isEmpty, !name.hasPrefix(".") else { return }
        let isDirectory = mask & UInt32(IN_ISDIR) != 0
        if directory.isEmpty {
            // drop/: a new agency folder (or drop/new itself).
            guard isDirectory, name != "tmp" else { return }
            if name == "new" {
                try? addWatch("new", folder: false)
            } else {
                try? addWatch(name, folder: true)
                if Directory.isDirectory("\(root)/\(name)/new") { try? addWatch("\(name)/new", folder: false) }
            }
            continuation.yield(.rescan)
        } else if !directory.contains("/") && directory != "new" {
            // drop/AGENCY/: its inbox appeared.
            guard isDirectory, name == "new" else { return }
            try? addWatch("\(directory)/new", folder: false)
            continuation.yield(.rescan)
        } else {
            // An entry created in place (not renamed in) is taken at once only if no write can
            // follow: a symlink, FIFO, socket, device, directory or hard link. A regular file
            // being written is taken when it is closed.
            if mask & UInt32(IN_CREATE) != 0 {
                var info = stat()
                let path = (Array("\(root)/\(directory)/".utf8) + EscapedName.unescape(name)).map { CChar(bitPattern: $0) } + [0]
                guard lstat(path, &info) == 0,
                      info.st_mode & S_IFMT != S_IFREG || info.st_nlink > 1
                else { return }
            }
            continuation.yield(.input("\(directory)/\(name)"))
        }
    }
}
