import Dispatch
import Synchronization

/// Runs the two halves of the pipeline on a list of inputs: `prepare` (decrypt, verify,
/// validate: CPU-bound) for several at once on worker threads, and `record` (the ledger and
/// the disk: one writer) on the calling thread, in input order, with every input that is
/// ready at that moment handed over together so that they are committed as one group.
///
/// Preparation runs ahead of recording by at most `aheadInputs` inputs and about
/// `aheadBytes` bytes (by `size`, the caller's estimate; one input is always allowed), which
/// bounds the memory held by inputs waiting to be recorded. Workers are given the next
/// inputs before a group is recorded, so they decrypt while the recorder waits on fsync.
struct Pipelined<Item: Sendable> {
    var workers: WorkerThreads
    var aheadInputs: Int
    var aheadBytes: Int
    var maxGroup: Int

    init(workers: WorkerThreads, aheadInputs: Int? = nil, aheadBytes: Int = 64 << 20, maxGroup: Int = 64) {
        self.workers = workers
        self.aheadInputs = max(1, aheadInputs ?? workers.count * 8)
        self.aheadBytes = aheadBytes
        self.maxGroup = max(1, maxGroup)
    }

    func run(count: Int, size: (Int) -> Int, prepare: @escaping @Sendable (Int) -> Item, record: ([(index: Int, item: Item)]) -> Void) {
        guard count > 0 else { return }
        let ready = (0..<count).map { _ in DispatchSemaphore(value: 0) }
        let slots = Mutex<[Int: Item]>([:])
        var submitted = 0, recorded = 0, bytesAhead = 0
        var sizes: [Int: Int] = [:]
        func fill() {
            while submitted < count, submitted - recorded < aheadInputs, bytesAhead < aheadBytes || submitted == recorded {
                let index = submitted
                let bytes = max(0, size(index))
                sizes[index] = bytes
                bytesAhead += bytes
                submitted += 1
                workers.submit {
                    let item = prepare(index)
                    slots.withLock { $0[index] = item }
                    ready[index].signal()
                }
            }
        }
        func take(_ index: Int) -> (index: Int, item: Item) {
            bytesAhead -= sizes.removeValue(forKey: index) ?? 0
            guard let item = slots.withLock({ $0.removeValue(forKey: index) }) else { preconditionFailure("input \(index) was not prepared") }
            return (index, item)
        }
        fill()
        while recorded < count {
            ready[recorded].wait()
            var group = [take(recorded)]
            recorded += 1
            while recorded < submitted, group.count < maxGroup, ready[recorded].wait(timeout: .now()) == .success {
                group.append(take(recorded))
                recorded += 1
            }
            fill()
            record(group)
        }
    }
}
