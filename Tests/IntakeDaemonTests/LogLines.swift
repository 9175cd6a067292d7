import Logging
import Synchronization

/// A log handler that keeps each message (and its metadata) for a test to look at.
final class LogLines: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append(("\(event.message)", event.metadata ?? [:])) }
    }

    var messages: [String] { lines.withLock { $0.map(\.message) } }
    /// Each message with its metadata as text.
    var entries: [(message: String, metadata: [String: String])] {
        lines.withLock { $0.map { ($0.message, $0.metadata.mapValues { "\($0)" }) } }
    }
}
