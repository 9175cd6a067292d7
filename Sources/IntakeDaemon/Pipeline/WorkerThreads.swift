import Foundation
import Synchronization

/// A fixed set of dedicated threads that run the CPU-bound half of the pipeline (decrypt,
/// verify, validate).
///
/// Not Dispatch's global pool and not Swift's cooperative pool: on Linux both are one pool
/// of as many threads as there are cores, and the recorder blocks in `fsync` on one of them.
/// With two cores, a worker queue on that pool got one thread while the recorder waited on
/// the disk, and the intake used 1.3 of its 2 cores (docs/performance.md). Dedicated threads
/// keep every core busy while the recorder waits.
public final class WorkerThreads: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    public let count: Int

    /// Starts `count` threads (at least one) named `name`, for the life of the process.
    init(count: Int, name: String) {
        self.count = max(1, count)
        for index in 0..<self.count {
            let thread = Thread { [self] in run() }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 8 << 20  // as a main thread's: parsers recurse (bounded) on hostile input
            thread.start()
        }
    }

    /// The number of cores this process may use.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The process's workers, one per core, shared by the drop directory, the socket and
    /// `intake ingest` (they run as long as the process: no thread of the intake's ends).
    public static let shared = WorkerThreads(count: cores, name: "intake-work")

    /// Runs `job` on one of the threads, in the order submitted.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        state.withLock { $0.jobs.append(job) }
        available.signal()
    }

    private func run() {
        while true {
            available.wait()
            // One signal per job: there is one.
            let job = state.withLock { state in
                defer {
                    state.head += 1
                    if state.head > 1024, state.head * 2 > state.jobs.count {
                        state.jobs.removeFirst(state.head)
                        state.head = 0
                    }
                }
                return state.jobs[state.head]
            }
            job()
        }
    }
}
