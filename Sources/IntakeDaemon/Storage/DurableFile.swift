import Glibc

/// A failure of the file system, named by errno: never by file content.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    static func errno(_ what: String, _ path: String) -> StorageError {
        let number = Glibc.errno
        return StorageError(number == ENOSPC ? "disk-full" : number == EROFS ? "read-only" : "io-error",
                            "\(what) \(path): \(String(cString: strerror(number)))")
    }

    public var description: String { message }
}

/// Crash-safe file writes: write a temporary file in the target directory, fsync it, set its
/// mode, rename it into place, fsync the directory. After `write` returns, the file is
/// durable under its final name; after a crash at any instant there is either no file or the
/// whole file (and maybe a `.tmp-` file, which start-up sweeps away).
public enum DurableFile {
    /// Writes `bytes` to `directory/name` durably with `mode`. When the file already exists
    /// and `skipIfExists` (content-addressed names), nothing is written. With `syncs`, the
    /// file is written to its temporary name only, and made durable and renamed into place
    /// (its directory fsynced) by `syncs.flush()`.
    /// Returns false when the file already existed and was kept as it was.
    @discardableResult
    public static func write(_ bytes: [UInt8], to directory: String, name: String, mode: UInt32 = 0o440,
                             skipIfExists: Bool = false, syncs: GroupSync? = nil) throws(StorageError) -> Bool {
        let path = "\(directory)/\(name)"
        if skipIfExists, syncs?.isPending(path) == true { return false }  // written earlier in this group
        if skipIfExists, access(path, F_OK) == 0 {
            // Left by an earlier attempt that may have died before syncing: make it durable now.
            try syncExisting(path, syncs: syncs)
            return false
        }
        let temporary = "\(directory)/\(temporaryName(name))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .errno("cannot create", temporary) }
        do throws(StorageError) {
            try writeAll(bytes, to: fd, path: temporary)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        if let syncs {
            syncs.add(fd: fd, temporary: temporary, path: path, mode: mode)
            return true
        }
        try place(fd: fd, temporary: temporary, at: path, mode: mode)
        try syncDirectory(directory)
        return true
    }

    /// Makes the file written to `temporary` (open as `fd`, which it closes) durable with
    /// `mode`, and renames it to `path`. On a failure the temporary file is removed. The
    /// directory is left to the caller.
    static func place(fd: Int32, temporary: String, at path: String, mode: UInt32) throws(StorageError) {
        var failed: StorageError?
        if fsync(fd) != 0 { failed = .errno("cannot fsync", temporary) }
        if failed == nil, fchmod(fd, mode_t(mode)) != 0 { failed = .errno("cannot chmod", temporary) }
        close(fd)
        if failed == nil, rename(temporary, path) != 0 { failed = .errno("cannot rename into", path) }
        if let failed {
            unlink(temporary)
            throw failed
        }
    }

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(StorageError) {
        var failed: StorageError?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = .errno("cannot write", path)
                    return
                }
                offset += written
            }
        }
        if let failed { throw failed }
    }

    /// fsyncs an existing file and its directory (a file an earlier, killed attempt placed
    /// may not be durable yet).
    public static func syncExisting(_ path: String, syncs: GroupSync? = nil) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw .errno("cannot open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .errno("cannot fsync", path) }
        try syncDirectory(parent(of: path), syncs: syncs)
    }

    /// fsyncs `directory` now, or (with `syncs`) when `syncs` is flushed.
    static func syncDirectory(_ directory: String, syncs: GroupSync?) throws(StorageError) {
        if let syncs { syncs.add(directory) } else { try syncDirectory(directory) }
    }

    /// fsyncs a directory, making renames and unlinks in it durable.
    public static func syncDirectory(_ directory: String) throws(StorageError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("cannot open directory", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .errno("cannot fsync directory", directory) }
    }

    /// Removes `path` and makes the removal durable.
    public static func remove(_ path: String) throws(StorageError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .errno("cannot remove", path) }
        try syncDirectory(parent(of: path))
    }

    /// Renames `from` to `to` durably (both directories synced, now or by `syncs`).
    public static func move(_ from: String, to: String, syncs: GroupSync? = nil) throws(StorageError) {
        guard rename(from, to) == 0 else { throw .errno("cannot rename", from) }
        try syncDirectory(parent(of: to), syncs: syncs)
        if parent(of: from) != parent(of: to) { try syncDirectory(parent(of: from), syncs: syncs) }
    }

    /// A temporary file name for `hint`: `.tmp-PID-HINT-RANDOM`. The process id lets a sweep
    /// tell a dead writer's leftovers from a live writer's work in progress.
    public static func temporaryName(_ hint: String) -> String {
        ".tmp-\(getpid())-\(hint)-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Deletes leftover `.tmp-` files in `directory` whose writing process is gone (a crash
    /// mid-write); a live process's temporaries (an `intake ingest` running beside the
    /// daemon) are left alone.
    public static func sweepTemporaries(in directory: String) {
        for name in (try? Directory.names(in: directory)) ?? [] where name.hasPrefix(".tmp-") {
            if let pid = Int32(name.dropFirst(5).prefix { $0.isNumber }) {
                let alive = pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH
                if alive { continue }
            }
            unlink("\(directory)/\(name)")
        }
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Reads a whole small file (keys, settings, certificates).
    public static func read(_ path: String, limit: Int = 16 << 20) throws(StorageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("cannot open", path) }
        defer { close(fd) }
        return try readAll(fd, path: path, limit: limit)
    }

    /// Reads everything from `fd`, failing past `limit` bytes.
    static func readAll(_ fd: Int32, path: String, limit: Int, sizeHint: Int = 0) throws(StorageError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = max(min(sizeHint, limit) + 1, 4096)
        while true {
            // Read into uninitialized capacity (no zero-filling of a buffer about to be overwritten);
            // the first chunk is the whole file when `sizeHint` is its size.
            var failure: StorageError?
            let part = [UInt8](unsafeUninitializedCapacity: chunk) { buffer, initialized in
                initialized = 0
                while initialized < chunk {
                    let got = Glibc.read(fd, buffer.baseAddress! + initialized, chunk - initialized)
                    if got < 0 {
                        if errno == EINTR { continue }
                        failure = .errno("cannot read", path)
                        return
                    }
                    if got == 0 { return }
                    initialized += got
                }
            }
            if let failure { throw failure }
            if bytes.isEmpty { bytes = part } else { bytes.append(contentsOf: part) }
            guard bytes.count <= limit else { throw StorageError("too-large", "\(path) is larger than \(limit) bytes") }
            if part.count < chunk { return bytes }
            chunk = max(chunk, 1 << 20)
        }
    }
}
