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
        var stopping = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    public let count: Int

    /// Starts `count` threads (at least one) named `name`.
    public init(count: Int, name: String) {
        self.count = max(1, count)
        for index in 0..<self.count {
            let thread = Thread { [self] in run() }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// The number of cores this process may use.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The process's workers, one per core, shared by the drop directory and the socket
    /// (never stopped).
    public static let shared = WorkerThreads(count: cores, name: "intake-work")

    /// Runs `job` on one of the threads, in the order submitted.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        state.withLock { state in
            precondition(!state.stopping, "a job submitted after stop()")
            state.jobs.append(job)
        }
        available.signal()
    }

    /// Lets the jobs already submitted finish, then ends the threads and returns.
    public func stop() {
        state.withLock { $0.stopping = true }
        for _ in 0..<count { available.signal() }
        for _ in 0..<count { finished.wait() }
    }

    private func run() {
        while true {
            available.wait()
            let (job, stopping): ((@Sendable () -> Void)?, Bool) = state.withLock { state in
                guard state.head < state.jobs.count else { return (nil, state.stopping) }
                defer {
                    state.head += 1
                    if state.head > 1024, state.head * 2 > state.jobs.count {
                        state.jobs.removeFirst(state.head)
                        state.head = 0
                    }
                }
                return (state.jobs[state.head], state.stopping)
            }
            guard let job else {
                guard stopping else { continue }
                finished.signal()  // woken by stop() with nothing left to do
                return
            }
            job()
        }
    }
}
