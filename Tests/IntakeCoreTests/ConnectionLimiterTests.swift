import IntakeCore
import Testing

/// Issue 12, item 1: a budget per listener and a cap per peer, with refusals counted.
@Suite struct ConnectionLimiterTests {
    @Test func eachListenerHasItsOwnBudgetAndEachPeerItsCap() {
        var limiter = ConnectionLimiter(perListener: 4, perPeer: 2)
        #expect(limiter.admit(listener: "tcp", peer: "127.0.0.1") == nil)
        #expect(limiter.admit(listener: "tcp", peer: "127.0.0.1") == nil)
        #expect(limiter.admit(listener: "tcp", peer: "127.0.0.1") == .peerFull)
        // The TCP peer's flood does not touch the Unix socket.
        for uid in 1...2 {
            #expect(limiter.admit(listener: "unix", peer: "uid:\(uid)") == nil)
            #expect(limiter.admit(listener: "unix", peer: "uid:\(uid)") == nil)
        }
        #expect(limiter.admit(listener: "unix", peer: "uid:3") == .listenerFull)
        limiter.release(listener: "unix", peer: "uid:1")
        #expect(limiter.admit(listener: "unix", peer: "uid:3") == nil)
        #expect(limiter.openCount(listener: "unix") == 4 && limiter.openCount(listener: "tcp", peer: "127.0.0.1") == 2)
        #expect(limiter.takeSummary() == [
            .init(listener: "tcp", peer: "127.0.0.1", cause: .peerFull, count: 1),
            .init(listener: "unix", peer: "uid:3", cause: .listenerFull, count: 1),
        ])
        #expect(limiter.takeSummary().isEmpty)
    }

    @Test func releasingWhatWasNeverAdmittedChangesNothing() {
        var limiter = ConnectionLimiter(perListener: 1, perPeer: 5)
        #expect(limiter.perPeer == 1, "a peer's cap is at most the listener's budget")
        limiter.release(listener: "unix", peer: "uid:0")
        #expect(limiter.totalOpen == 0)
        #expect(limiter.admit(listener: "unix", peer: "uid:0") == nil)
        #expect(limiter.admit(listener: "unix", peer: "uid:1") == .listenerFull)
    }

    @Test func refusalCountsStayBounded() {
        var limiter = ConnectionLimiter(perListener: 1, perPeer: 1)
        _ = limiter.admit(listener: "tcp", peer: "a")
        for index in 0..<5000 { _ = limiter.admit(listener: "tcp", peer: "peer-\(index)") }
        let summary = limiter.takeSummary()
        #expect(summary.count <= 1025 && summary.map(\.count).reduce(0, +) == 5000)
    }
}
