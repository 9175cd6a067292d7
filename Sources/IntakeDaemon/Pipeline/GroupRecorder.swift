import Dispatch
import Foundation
import Synchronization

/// One thread that records prepared inputs for many callers (the socket's requests), in the
/// order they arrive, committing the inputs waiting at that moment as one group
/// (`Pipeline.commit(group:)`): under load, one checkpoint signature and one fsync of each
/// folder and of the ledger serve a whole group. Each caller's `done` runs on the recorder's
/// thread and must return quickly (hand heavier work to the worker threads).
public final class GroupRecorder: Sendable {
    private struct Pending: Sendable {
        let pipeline: Pipeline
        let prepared: Pipeline.Prepared
        let done: @Sendable (Result<Outcome, any Error>) -> Void
    }

    private let pending = Mutex<[Pending]>([])
    private let available = DispatchSemaphore(value: 0)
    let maxGroup: Int

    /// The process's recorder (never stopped: no thread of the intake's ends while it runs).
    public static let shared = GroupRecorder(name: "intake-recorder")

    init(name: String, maxGroup: Int = 64) {
        self.maxGroup = max(1, maxGroup)
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Records `prepared` with `pipeline` in its turn, then calls `done` with the outcome.
    func record(_ prepared: Pipeline.Prepared, with pipeline: Pipeline, done: @escaping @Sendable (Result<Outcome, any Error>) -> Void) {
        pending.withLock { $0.append(Pending(pipeline: pipeline, prepared: prepared, done: done)) }
        available.signal()
    }

    private func run() {
        while true {
            available.wait()
            let taken = pending.withLock { pending in
                let count = min(maxGroup, pending.count)
                defer { pending.removeFirst(count) }
                return Array(pending.prefix(count))
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
        }
    }
}
