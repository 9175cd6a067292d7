import NIOCore
import Synchronization

/// The open connections, bounded by `max_connections`, so that graceful shutdown can drain
/// them and close what is left when the grace period ends.
final class ConnectionRegistry: Sendable {
    let limit: Int
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let draining = Mutex<Bool>(false)

    /// True once `drain` was called: a connection that registers or answers after it closes.
    var isDraining: Bool { draining.withLock { $0 } }

    init(limit: Int) { self.limit = limit }

    /// Registers `channel`; false when the limit is reached.
    func add(_ channel: any Channel) -> Bool {
        channels.withLock { channels in
            guard channels.count < limit else { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { channels.withLock { $0.count } }

    /// Asks every connection to finish what it is doing and close.
    func drain() {
        draining.withLock { $0 = true }
        for channel in channels.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(DrainEvent())
        }
    }

    /// Closes every connection now.
    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}
