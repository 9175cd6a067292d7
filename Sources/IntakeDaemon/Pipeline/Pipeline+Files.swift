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
    /// The CPU-bound half (decrypt, verify, validate) runs for up to `parallelism` files at
    /// once; recording stays one at a time, in order. Files are never removed. A path that
    /// is not a regular file (after following symlinks: the caller named it) is reported
    /// with `not-a-regular-file` and not recorded; one over the size limit is streamed into
    /// quarantine, never truncated.
    public func ingest(paths: [String], channel: String = "ingest", parallelism: Int = 2,
                       report: (String, Result<Outcome, any Error>) -> Void) {
        // Workers read and prepare up to `window` inputs ahead of the recorder, which commits
        // them strictly in order: decryption on one core overlaps recording on another.
        let window = max(1, parallelism) * 2
        let ready = paths.map { _ in DispatchSemaphore(value: 0) }
        let slots = Slots(count: paths.count)
        let limit = home.settings.policy.maxEnvelopeBytes
        let workers = DispatchQueue(label: "intake.ingest", attributes: .concurrent)
        var submitted = 0
        func submit(upTo end: Int) {
            while submitted < min(end, paths.count) {
                let index = submitted, path = paths[index]
                submitted += 1
                workers.async {
                    slots.set(index, Result {
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
                    })
                    ready[index].signal()
                }
            }
        }
        submit(upTo: window)
        for (index, path) in paths.enumerated() {
            ready[index].wait()
            switch slots.take(index) {
            case .failure(let error):
                report(path, .failure(error))
            case .success(.oversized(let fd)):
                report(path, Result {
                    defer { close(fd) }
                    return try processOversized(fd: fd, channel: channel, originalName: Self.baseName(path),
                                                receivedAt: clock()) { _ in nil }
                })
            case .success(.prepared(let prepared)):
                report(path, Result { try commit(prepared) })
            }
            submit(upTo: index + 1 + window)
        }
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

/// Results of the workers, one slot per input, each taken once by the recorder.
final class Slots: Sendable {
    private let slots: Mutex<[Result<Pipeline.Slot, any Error>?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ value: Result<Pipeline.Slot, any Error>) { slots.withLock { $0[index] = value } }

    /// The result for `index`, released from the slot so its memory goes as soon as it is recorded.
    func take(_ index: Int) -> Result<Pipeline.Slot, any Error> {
        slots.withLock { slots in
            defer { slots[index] = nil }
            return slots[index] ?? .failure(StorageError("internal", "input \(index) was not prepared"))
        }
    }
}
