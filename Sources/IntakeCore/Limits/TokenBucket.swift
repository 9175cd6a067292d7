/// A token bucket: holds up to `capacity` tokens, refilled continuously at `refillPerSecond`;
/// each admitted request takes one. Time is passed in (`now`, monotonic seconds), never read.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let refillPerSecond: Double
    public private(set) var tokens: Double
    public private(set) var updated: Double

    /// A full bucket at `now`.
    public init(capacity: Double, refillPerSecond: Double, now: Double) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        tokens = capacity
        updated = now
    }

    private mutating func refill(now: Double) {
        if now > updated {
            tokens = min(capacity, tokens + (now - updated) * refillPerSecond)
            updated = now
        }
    }

    /// Takes one token if there is one.
    public mutating func take(now: Double) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether a token is available, without taking it.
    public func hasToken(now: Double) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.tokens >= 1
    }

    /// Whole seconds (at least 1) until a token is available.
    public func secondsUntilToken(now: Double) -> Int {
        var copy = self
        copy.refill(now: now)
        guard copy.tokens < 1 else { return 1 }
        return max(1, Int(((1 - copy.tokens) / refillPerSecond).rounded(.up)))
    }

    /// Full again: it carries no information and can be forgotten.
    public func isFull(now: Double) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.tokens >= capacity
    }
}
