/// Directory fsyncs put off while several files are placed (group commit): each directory is
/// fsynced once, by `flush`, which the caller runs before the ledger commits what the files
/// hold. A file written with a `DirectorySyncs` is durable only after `flush` returns.
/// Used by one thread at a time.
public final class DirectorySyncs {
    private var directories: [String] = []

    public init() {}

    func add(_ directory: String) {
        if !directories.contains(directory) { directories.append(directory) }
    }

    /// fsyncs each directory named since the last flush, once.
    public func flush() throws(StorageError) {
        while let directory = directories.first {
            try DurableFile.syncDirectory(directory)
            directories.removeFirst()
        }
    }
}
