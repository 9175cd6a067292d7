import Dispatch
import Foundation
import Synchronization

/// One thread that records prepared inputs for many callers (the socket's requests), in the
/// order they arrive, committing the inputs waiting at that moment as one group
/// (`Pipeline.commit(group:)`): under load, one checkpoint signature and one fsync of each
/// folder and of the ledger serve a whole group. Each caller's `done` runs on the recorder's
/// thread and must return quickly (hand heavier work to the worker threads).
final class GroupRecorder: Sendable {
    private struct Pending: Sendable {
        let pipeline: Pipeline
        let prepared: Pipeline.Prepared
        let done: @Sendable (Result<Outcome, any Error>) -> Void
    }

    private struct State {
        var pending: [Pending] = []
        var stopped = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    let maxGroup: Int

    init(name: String, maxGroup: Int = 64) {
        self.maxGroup = max(1, maxGroup)
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Records `prepared` with `pipeline` in its turn, then calls `done` with the outcome.
    func record(_ prepared: Pipeline.Prepared, with pipeline: Pipeline, done: @escaping @Sendable (Result<Outcome, any Error>) -> Void) {
        let accepted = state.withLock { state in
            guard !state.stopped else { return false }
            state.pending.append(Pending(pipeline: pipeline, prepared: prepared, done: done))
            return true
        }
        guard accepted else {
            done(.failure(StorageError("shutting-down", "the recorder has stopped")))
            return
        }
        available.signal()
    }

    /// Ends the thread once what is queued is recorded.
    func stop() {
        state.withLock { $0.stopped = true }
        available.signal()
    }

    private func run() {
        while true {
            available.wait()
            let (taken, stopped) = state.withLock { state in
                let count = min(maxGroup, state.pending.count)
                defer { state.pending.removeFirst(count) }
                return (Array(state.pending.prefix(count)), state.stopped && state.pending.count == count)
            }
            // One signal per input: consume the rest of this group's.
            for _ in 0..<max(0, taken.count - 1) { available.wait() }
            var start = 0
            while start < taken.count {  // consecutive inputs for the same pipeline (a reload swaps it)
                let pipeline = taken[start].pipeline
                var end = start + 1
                while end < taken.count, taken[end].pipeline === pipeline { end += 1 }
                let results = pipeline.commit(group: taken[start..<end].map(\.prepared))
                for (pending, result) in zip(taken[start..<end], results) { pending.done(result) }
                start = end
            }
            if stopped { return }
        }
    }
}
