import Dispatch
import Glibc
public import IntakeCore
import Synchronization

extension Pipeline {
    /// Why a named file could not be taken in at all (nothing is recorded: there are no
    /// bytes to keep).
    public struct FileError: Error, Sendable, Equatable {
        public let reason: ReasonCode?
        public let code: String
        public let message: String
    }

    /// `intake ingest`: runs files through the pipeline, recording them in the order given.
    /// The CPU-bound half (decrypt, verify, validate) runs on `workers`; recording stays on
    /// this thread, in order, with the inputs that are ready committed as one group. Files are
    /// never removed. A path that is not a regular file (after following symlinks: the caller
    /// named it) is reported with `not-a-regular-file` and not recorded; one over the size
    /// limit is streamed into quarantine, never truncated.
    public func ingest(paths: [String], channel: String = "ingest", workers: WorkerThreads = .shared,
                       report: (String, Result<Outcome, any Error>) -> Void) {
        let limit = home.settings.policy.maxEnvelopeBytes
        Pipelined<Result<Slot, any Error>>(workers: workers).run(count: paths.count, size: { index in
            var info = stat()
            return stat(paths[index], &info) == 0 ? min(Int(info.st_size), limit) : 0
        }, prepare: { index in
            let path = paths[index]
            return Result {
                let (fd, size) = try Self.openRegular(path)
                if size > limit { return .oversized(fd) }
                var bytes: [UInt8]
                do {
                    defer { close(fd) }
                    bytes = try DurableFile.readAll(fd, path: path, limit: limit + 1, sizeHint: size)
                }
                if bytes.count > limit {  // it grew since fstat: take it whole, from the start
                    return .oversized(try Self.openRegular(path).fd)
                }
                // The only reference: the pipeline frees it once OpenSSL has the ciphertext.
                return .prepared(try self.prepare(consume bytes, channel: channel, originalName: Self.baseName(path)))
            }
        }, record: { group in
            // Consecutive prepared inputs are committed together; anything else in its turn.
            var pending: [(path: String, prepared: Prepared)] = []
            func flush() {
                for (path, result) in zip(pending.map(\.path), commit(group: pending.map(\.prepared))) { report(path, result) }
                pending = []
            }
            for (index, slot) in group {
                let path = paths[index]
                switch slot {
                case .success(.prepared(let prepared)):
                    pending.append((path, prepared))
                case .failure(let error):
                    flush()
                    report(path, .failure(error))
                case .success(.oversized(let fd)):
                    flush()
                    report(path, Result {
                        defer { close(fd) }
                        return try processOversized(fd: fd, channel: channel, originalName: Self.baseName(path),
                                                    receivedAt: clock()) { _ in nil }
                    })
                }
            }
            flush()
        })
    }

    enum Slot: Sendable {
        case prepared(Prepared)
        case oversized(Int32)
    }

    /// Opens `path` for reading (following symlinks: the caller named it), refusing anything
    /// but a regular file without blocking on a FIFO.
    static func openRegular(_ path: String) throws -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            throw FileError(reason: nil, code: "unreadable", message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw FileError(reason: .notARegularFile, code: ReasonCode.notARegularFile.rawValue, message: "\(path) is not a regular file")
        }
        return (fd, Int(info.st_size))
    }

    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
