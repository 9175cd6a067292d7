import IntakeCore
import NIOCore
import Synchronization

/// The open connections: admitted by a `ConnectionLimiter` (a budget per listener, a cap per
/// peer), and kept so that graceful shutdown can drain them and close what is left when the
/// grace period ends.
final class ConnectionRegistry: Sendable {
    private let limiter: Mutex<ConnectionLimiter>
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let draining = Mutex<Bool>(false)

    /// True once `drain` was called: a connection that registers or answers after it closes.
    var isDraining: Bool { draining.withLock { $0 } }

    /// `limit` connections per listener, `perPeer` of them per peer.
    init(limit: Int, perPeer: Int) {
        limiter = Mutex(ConnectionLimiter(perListener: limit, perPeer: perPeer))
    }

    /// Registers `channel` from `peer` on `listener`; the cause when it is refused.
    func add(_ channel: any Channel, listener: String, peer: String) -> ConnectionLimiter.Cause? {
        if let refused = limiter.withLock({ $0.admit(listener: listener, peer: peer) }) { return refused }
        channels.withLock { $0[ObjectIdentifier(channel)] = channel }
        return nil
    }

    func remove(_ channel: any Channel, listener: String, peer: String) {
        guard channels.withLock({ $0.removeValue(forKey: ObjectIdentifier(channel)) }) != nil else { return }
        limiter.withLock { $0.release(listener: listener, peer: peer) }
    }

    var count: Int { channels.withLock { $0.count } }

    /// Connections open on `listener`, and from `peer` there.
    func openCount(listener: String, peer: String? = nil) -> Int {
        limiter.withLock { limiter in peer.map { limiter.openCount(listener: listener, peer: $0) } ?? limiter.openCount(listener: listener) }
    }

    /// The connections refused since the last call, by listener, peer and cause.
    func takeRefusals() -> [ConnectionLimiter.Refusals] { limiter.withLock { $0.takeSummary() } }

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
