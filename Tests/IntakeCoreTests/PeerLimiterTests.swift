import IntakeCore
import Testing

@Suite struct PeerLimiterTests {
    @Test func tokenBucketRefillsAtItsRate() {
        var bucket = TokenBucket(capacity: 2, refillPerSecond: 0.5, now: 100)
        let takes = [bucket.take(now: 100), bucket.take(now: 100), bucket.take(now: 100)]
        #expect(takes == [true, true, false])
        #expect(bucket.secondsUntilToken(now: 100) == 2)
        let early = bucket.take(now: 101.9), onTime = bucket.take(now: 102.1)
        #expect(!early && onTime)
        #expect(bucket.isFull(now: 110))
        // Time going backwards never adds tokens.
        var other = TokenBucket(capacity: 1, refillPerSecond: 1, now: 50)
        let first = other.take(now: 50), backwards = other.take(now: 10)
        #expect(first && !backwards)
    }

    @Test func requestsBeyondTheBurstAreRefusedPerPeer() {
        var limiter = PeerLimiter(rate: 1, burst: 3, rejectionsPerHour: 100)
        let verdicts = (0..<5).map { _ in limiter.admit(peer: "uid:1", submission: false, now: 0) }
        #expect(verdicts.prefix(3).allSatisfy { $0 == .admit })
        #expect(verdicts[3] == .refuse(.rateLimited, retryAfter: 1))
        // Another peer has its own budget.
        let otherPeer = limiter.admit(peer: "uid:2", submission: false, now: 0)
        #expect(otherPeer == .admit)
        // A second later, one more.
        let later = limiter.admit(peer: "uid:1", submission: false, now: 1.01)
        #expect(later == .admit)
        let summary = limiter.takeSummary(), again = limiter.takeSummary()
        #expect(summary == [.init(peer: "uid:1", cause: .rateLimited, count: 2)])
        #expect(again.isEmpty)
    }

    @Test func rejectionsCutOffSubmissionsButNotReads() {
        var limiter = PeerLimiter(rate: 1000, burst: 1000, rejectionsPerHour: 2)
        for _ in 0..<2 {
            let verdict = limiter.admit(peer: "p", submission: true, now: 0)
            #expect(verdict == .admit)
            limiter.recordRejection(peer: "p", now: 0)
        }
        let cutOff = limiter.admit(peer: "p", submission: true, now: 1)
        #expect(cutOff == .refuse(.rejectionLimited, retryAfter: 1799))
        let read = limiter.admit(peer: "p", submission: false, now: 1)
        #expect(read == .admit)
        // Half an hour later one rejection's budget is back.
        let back = limiter.admit(peer: "p", submission: true, now: 1801)
        #expect(back == .admit)
        let summary = limiter.takeSummary()
        #expect(summary == [.init(peer: "p", cause: .rejectionLimited, count: 1)])
    }

    @Test func memoryIsBoundedByForgettingIdlePeers() {
        var limiter = PeerLimiter(rate: 10, burst: 1, rejectionsPerHour: 10, maxPeers: 4)
        for peer in 0..<4 { _ = limiter.admit(peer: "p\(peer)", submission: false, now: 0) }
        // All four are busy: a fifth shares the overflow bucket.
        _ = limiter.admit(peer: "p4", submission: false, now: 0)
        #expect(limiter.trackedPeers == 5)  // four peers and "other"
        // Once they are idle (full again), they are forgotten to make room.
        _ = limiter.admit(peer: "p5", submission: false, now: 100)
        #expect(limiter.trackedPeers <= 2)
    }
}
