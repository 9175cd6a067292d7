import Dispatch
import Glibc
import IntakeCore
import IntakeLedger
public import Logging
import Synchronization

/// Publishes signed checkpoints as the daemon makes them: each new one is appended to
/// `HOME/checkpoints.log` (fsynced) and, when `[ledger] checkpoint_command` is set, given to
/// that command on its standard input (by `/bin/sh -c`), e.g. to mail it to the Panel or post
/// it to a witness. Checkpoints signed while the daemon was down (by `intake ingest`,
/// `intake case open`, …) are published when it next runs.
public final class CheckpointPublisher: Sendable {
    let home: Home
    let logger: Logger
    let command: @Sendable () -> String
    let onPublished: @Sendable (Int) -> Void
    /// The size of the last checkpoint published; held while publishing, so that publishing
    /// from several channels at once appends each checkpoint once, in order.
    private let published = Mutex<Int>(-1)

    public var logPath: String { home.layout.checkpointsLog }

    /// `command` gives the current checkpoint command (settings can be reloaded);
    /// `onPublished` is told the tree size of each checkpoint published.
    public init(home: Home, logger: Logger, command: (@Sendable () -> String)? = nil,
                onPublished: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.home = home
        self.logger = logger
        let configured = home.settings.ledger.checkpointCommand
        self.command = command ?? { configured }
        self.onPublished = onPublished
        published.withLock { $0 = Self.lastLoggedSize(path: logPath, origin: home.settings.origin) }
    }

    /// Appends every stored checkpoint newer than the last one published, oldest first, and
    /// runs the command with each.
    public func publish() {
        published.withLock { last in
            do {
                let fresh = try home.ledger.signedCheckpoints(after: last)
                guard let newest = fresh.last else { return }
                try append(fresh.map(\.note))
                last = newest.size
                let command = self.command()
                for checkpoint in fresh {
                    logger.info("checkpoint", metadata: ["treeSize": "\(checkpoint.size)"])
                    onPublished(checkpoint.size)
                    if !command.isEmpty { run(command, input: checkpoint.note) }
                }
            } catch {
                logger.error("checkpoint not published", metadata: ["error": "\(errorCode(error))"])
            }
        }
    }

    private func append(_ notes: [String]) throws(StorageError) {
        let fd = open(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard fd >= 0 else { throw .errno("cannot open", logPath) }
        defer { close(fd) }
        fchmod(fd, 0o640)  // whatever the umask, or an older home's 0644
        try DurableFile.writeAll(Array(notes.map { $0 + "\n" }.joined().utf8), to: fd, path: logPath)
        guard fsync(fd) == 0 else { throw .errno("cannot fsync", logPath) }
    }

    /// The size of the last checkpoint in the log (notes separated by empty lines).
    static func lastLoggedSize(path: String, origin: String) -> Int {
        guard let bytes = try? DurableFile.read(path, limit: 1 << 30) else { return -1 }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var last = -1
        for (index, line) in lines.enumerated() where line == origin && index + 1 < lines.count {
            if let size = Int(lines[index + 1]) { last = max(last, size) }
        }
        return last
    }

    private func run(_ command: String, input: String) {
        ShellCommand.start(command, input: input, logger: logger, purpose: "checkpoint command")
    }
}
