public import IntakeCore
import IntakeLedger
import Synchronization

/// The daemon's reloadable state: the home (settings, keys, trust anchors) and the pipeline
/// and drop directory built on it. SIGHUP builds a fresh set from the files (keeping the open
/// ledger) and swaps it in atomically; work already under way finishes with the set it
/// started with. The agency registry lives in the ledger and is re-read as it changes.
public final class Runtime: Sendable {
    public struct Current: Sendable {
        public let home: Home
        public let pipeline: Pipeline
        public let drop: DropDirectory
        public let receipts: ReceiptIssuer
        public let packs: PackReleaser
    }

    let clock: @Sendable () -> UTCInstant
    private let state: Mutex<Current>

    public init(home: Home, clock: @escaping @Sendable () -> UTCInstant) throws {
        self.clock = clock
        state = Mutex(try Self.build(home, clock: clock))
    }

    private static func build(_ home: Home, clock: @escaping @Sendable () -> UTCInstant) throws -> Current {
        let pipeline = try Pipeline(home: home, clock: clock)
        let drop = try DropDirectory(pipeline: pipeline)
        return Current(home: home, pipeline: pipeline, drop: drop, receipts: drop.receipts,
                       packs: try PackReleaser(home: home, clock: clock))
    }

    public var current: Current { state.withLock { $0 } }
    public var home: Home { current.home }

    /// Re-reads intake.toml, the keys and certificates and trust/ and swaps them in. On any
    /// error nothing changes and the error is thrown (the daemon logs it and carries on).
    /// Returns the settings that changed but need a restart to apply (every `listen.*`).
    @discardableResult
    public func reload() throws -> [String] {
        let old = current.home
        let fresh = try Self.build(Home(old.layout, reusing: old.ledger), clock: clock)
        state.withLock { $0 = fresh }
        // The socket's listeners and its limits are fixed when it starts.
        let before = old.settings.listen, after = fresh.home.settings.listen
        let keys: [(String, (Settings.Listen) -> AnyHashable)] = [
            ("unix", \.unix), ("tcp", \.tcp), ("group", \.group), ("max_connections", \.maxConnections),
            ("max_concurrent", \.maxConcurrent), ("max_body_memory", \.maxBodyMemory), ("request_timeout", \.requestTimeout),
            ("rate", \.rate), ("burst", \.burst), ("rejections_per_hour", \.rejectionsPerHour),
        ]
        return keys.filter { $0.1(before) != $0.1(after) }.map { "listen.\($0.0)" }
    }
}
