/// How many connections each listener and each peer may hold open (issue 12, item 1): the
/// connection-admission policy of the HTTP listeners, without I/O.
///
/// - Each listener (the Unix socket, the TCP listener) has its own budget of `perListener`
///   connections, so that connections to one can never use up the other's: whoever can reach
///   the TCP listener cannot starve the front ends on the Unix socket.
/// - Each peer holds at most `perPeer` of a listener's connections. A Unix-socket peer is its
///   uid (SO_PEERCRED); a TCP peer is its address, and over loopback every local user is the
///   same peer, 127.0.0.1: TCP is for a proxy on the same host.
///
/// Refusals are counted per listener, peer and cause until `takeSummary` collects them (the
/// daemon logs them once a minute). Memory is bounded by the connections open: a peer with
/// none is forgotten.
public struct ConnectionLimiter: Sendable {
    public enum Cause: String, Sendable, CaseIterable {
        /// The listener's budget is spent.
        case listenerFull = "connections"
        /// The peer holds its share of the listener's budget.
        case peerFull = "peer-connections"
    }

    public struct Refusals: Sendable, Equatable {
        public var listener: String
        public var peer: String
        public var cause: Cause
        public var count: Int

        public init(listener: String, peer: String, cause: Cause, count: Int) {
            self.listener = listener
            self.peer = peer
            self.cause = cause
            self.count = count
        }
    }

    struct Key: Hashable, Sendable {
        var listener: String
        var peer: String
    }

    public let perListener: Int
    public let perPeer: Int
    private var open: [String: Int] = [:]
    private var openByPeer: [Key: Int] = [:]
    private var refused: [Key: [Cause: Int]] = [:]
    /// Refusal counts are kept for at most this many (listener, peer) pairs between summaries.
    static let maxRefusedPeers = 1024

    public init(perListener: Int, perPeer: Int) {
        self.perListener = max(1, perListener)
        self.perPeer = max(1, min(perPeer, perListener))
    }

    /// Admits a new connection from `peer` on `listener` (counting it), or says why not.
    public mutating func admit(listener: String, peer: String) -> Cause? {
        let key = Key(listener: listener, peer: peer)
        let cause: Cause? = open[listener, default: 0] >= perListener ? .listenerFull
            : openByPeer[key, default: 0] >= perPeer ? .peerFull : nil
        if let cause {
            let counted = refused[key] != nil || refused.count < Self.maxRefusedPeers
                ? key : Key(listener: listener, peer: "other")
            refused[counted, default: [:]][cause, default: 0] += 1
            return cause
        }
        open[listener, default: 0] += 1
        openByPeer[key, default: 0] += 1
        return nil
    }

    /// An admitted connection closed.
    public mutating func release(listener: String, peer: String) {
        let key = Key(listener: listener, peer: peer)
        if let count = open[listener] { open[listener] = count > 1 ? count - 1 : nil }
        if let count = openByPeer[key] { openByPeer[key] = count > 1 ? count - 1 : nil }
    }

    /// Connections open on `listener` (all peers), and by `peer` there.
    public func openCount(listener: String) -> Int { open[listener, default: 0] }
    public func openCount(listener: String, peer: String) -> Int { openByPeer[Key(listener: listener, peer: peer), default: 0] }
    public var totalOpen: Int { open.values.reduce(0, +) }

    /// The refusals counted since the last call (sorted), and resets them.
    public mutating func takeSummary() -> [Refusals] {
        defer { refused = [:] }
        return refused.flatMap { key, causes in
            causes.map { Refusals(listener: key.listener, peer: key.peer, cause: $0.key, count: $0.value) }
        }.sorted { ($0.listener, $0.peer, $0.cause.rawValue) < ($1.listener, $1.peer, $1.cause.rawValue) }
    }
}
