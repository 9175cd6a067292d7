/// Who may send what to the socket, per peer (a Unix socket's peer uid, a TCP peer's address):
/// the admission policy of the HTTP listener, without I/O or clocks.
///
/// Two budgets per peer, each a `TokenBucket`:
/// - **requests**: `burst` requests, refilled at `rate` per second; beyond it every request is
///   refused (`rate-limited`) before its body is read.
/// - **rejections**: `rejectionsPerHour` rejected submissions, refilled evenly over the hour;
///   when it is empty the peer's submissions are refused (`rejection-limited`) before their
///   bodies are read, so a flood of bad input cannot fill the ledger and quarantine. Accepted
///   submissions do not draw on it.
///
/// Refusals are counted per peer and cause until `takeSummary` collects them, so a flood is
/// summarised rather than lost. Memory stays bounded: idle (full) buckets are forgotten once
/// more than `maxPeers` peers are tracked, and beyond that new peers share one bucket.
public struct PeerLimiter: Sendable {
    public enum Cause: String, Sendable, CaseIterable {
        case rateLimited = "rate-limited"
        case rejectionLimited = "rejection-limited"
    }

    public enum Verdict: Sendable, Equatable {
        case admit
        case refuse(Cause, retryAfter: Int)
    }

    public struct Refusals: Sendable, Equatable {
        public var peer: String
        public var cause: Cause
        public var count: Int

        public init(peer: String, cause: Cause, count: Int) {
            self.peer = peer
            self.cause = cause
            self.count = count
        }
    }

    public let rate: Double
    public let burst: Double
    public let rejectionsPerHour: Double
    public let maxPeers: Int
    private var requests: [String: TokenBucket] = [:]
    private var rejections: [String: TokenBucket] = [:]
    private var refused: [String: [Cause: Int]] = [:]

    /// The peer name used for every new peer once `maxPeers` are tracked.
    public static let overflowPeer = "other"

    public init(rate: Int, burst: Int, rejectionsPerHour: Int, maxPeers: Int = 4096) {
        self.rate = Double(rate)
        self.burst = Double(max(1, burst))
        self.rejectionsPerHour = Double(rejectionsPerHour)
        self.maxPeers = maxPeers
    }

    /// Whether `peer` may make a request now; `submission` requests also need rejection budget.
    public mutating func admit(peer: String, submission: Bool, now: Double) -> Verdict {
        let peer = tracked(peer, now: now)
        if submission, let bucket = rejections[peer], !bucket.hasToken(now: now) {
            refused[peer, default: [:]][.rejectionLimited, default: 0] += 1
            return .refuse(.rejectionLimited, retryAfter: bucket.secondsUntilToken(now: now))
        }
        var bucket = requests[peer] ?? TokenBucket(capacity: burst, refillPerSecond: rate, now: now)
        defer { requests[peer] = bucket }
        guard bucket.take(now: now) else {
            refused[peer, default: [:]][.rateLimited, default: 0] += 1
            return .refuse(.rateLimited, retryAfter: bucket.secondsUntilToken(now: now))
        }
        return .admit
    }

    /// A submission from `peer` was rejected (and recorded): it draws on the rejection budget.
    public mutating func recordRejection(peer: String, now: Double) {
        let peer = tracked(peer, now: now)
        var bucket = rejections[peer] ?? TokenBucket(capacity: rejectionsPerHour, refillPerSecond: rejectionsPerHour / 3600, now: now)
        _ = bucket.take(now: now)
        rejections[peer] = bucket
    }

    /// The refusals counted since the last call, by peer and cause (sorted), and resets them.
    public mutating func takeSummary() -> [Refusals] {
        defer { refused = [:] }
        return refused.flatMap { peer, causes in causes.map { Refusals(peer: peer, cause: $0.key, count: $0.value) } }
            .sorted { ($0.peer, $0.cause.rawValue) < ($1.peer, $1.cause.rawValue) }
    }

    /// How many peers have state now (for tests and metrics).
    public var trackedPeers: Int { Set(requests.keys).union(rejections.keys).count }

    /// `peer`, or the shared overflow name when too many peers are tracked even after idle
    /// (full) buckets are forgotten.
    private mutating func tracked(_ peer: String, now: Double) -> String {
        if requests[peer] != nil || rejections[peer] != nil { return peer }
        if trackedPeers >= maxPeers {
            requests = requests.filter { !$0.value.isFull(now: now) }
            rejections = rejections.filter { !$0.value.isFull(now: now) }
            if trackedPeers >= maxPeers { return Self.overflowPeer }
        }
        return peer
    }
}
