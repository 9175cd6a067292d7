import Dispatch
import Foundation
import IntakeCore
import Synchronization

/// The hashing half of the audit's pass over the log, on a thread of its own, so that
/// `intake verify` uses two cores: the reading thread steps SQLite and checks each entry's
/// JSON and columns, and hands the entries and their stored leaf hashes over in batches;
/// this thread hashes each leaf (SHA-256(0x00 ‖ entry)), compares it with the stored one,
/// folds it into the tree, and notes the root at every size a checkpoint is due. What it
/// finds goes back to the reading thread when the pass ends (`finish`), which reports it in
/// the order a single thread would have.
final class AuditLeafPass: Sendable {
    /// Entries and their stored leaf hashes, copied out of SQLite.
    struct Batch: Sendable {
        var firstIndex: Int
        var bytes: [UInt8] = []
        /// Where each entry ends in `bytes`.
        var ends: [Int] = []
        /// Each stored leaf hash (32 bytes each), and whether it was 32 bytes at all.
        var stored: [UInt8] = []
        var storedIsHash: [Bool] = []

        init(firstIndex: Int, capacity: Int) {
            self.firstIndex = firstIndex
            bytes.reserveCapacity(capacity * 160)
            ends.reserveCapacity(capacity)
            stored.reserveCapacity(capacity * 32)
            storedIsHash.reserveCapacity(capacity)
        }

        var count: Int { ends.count }

        mutating func append(entry: UnsafeRawBufferPointer, storedLeafHash: UnsafeRawBufferPointer) {
            bytes.append(contentsOf: entry)
            ends.append(bytes.count)
            let isHash = storedLeafHash.count == 32
            stored.append(contentsOf: isHash ? storedLeafHash : UnsafeRawBufferPointer(start: nil, count: 0))
            if !isHash { stored.append(contentsOf: repeatElement(0, count: 32)) }
            storedIsHash.append(isHash)
        }
    }

    /// What the pass learnt.
    struct Result: Sendable {
        /// Indices whose stored leaf hash is not SHA-256(0x00 ‖ entry).
        var badLeaves: [Int] = []
        /// The root at each size in `dueSizes` the log reached, in order.
        var roots: [(size: Int, root: [UInt8])] = []
        /// Every completed node's hash, by level (1, 2, …), in index order.
        var levels: [[SHA256Digest]] = []
        var nodeCount = 0
        var root: [UInt8] = MerkleHashing.emptyRoot

        /// The recomputed node (level, index), level >= 1; nil when the tree has no such node.
        func computed(level: Int, index: Int) -> SHA256Digest? {
            guard level >= 1, level <= levels.count, index >= 0, index < levels[level - 1].count else { return nil }
            return levels[level - 1][index]
        }
    }

    static let batchSize = 4096
    private let queue = Mutex<[Batch?]>([])
    private let available = DispatchSemaphore(value: 0)
    /// Batches in flight at most: bounds the memory the copies take.
    private let room = DispatchSemaphore(value: 4)
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result?>(nil)

    /// Starts the thread; `dueSizes` are the sizes at which a checkpoint will be checked.
    init(dueSizes: Set<Int>) {
        let thread = Thread { [self] in run(dueSizes: dueSizes) }
        thread.name = "intake-audit-hash"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Hands a batch over (waits while four are in flight).
    func submit(_ batch: Batch) {
        room.wait()
        queue.withLock { $0.append(batch) }
        available.signal()
    }

    /// Ends the pass and returns what it found.
    func finish() -> Result {
        room.wait()
        queue.withLock { $0.append(nil) }
        available.signal()
        done.wait()
        return result.withLock { $0 ?? Result() }
    }

    private func run(dueSizes: Set<Int>) {
        var tree = Ledger.AuditTree()
        var found = Result()
        while true {
            available.wait()
            let next = queue.withLock { $0.removeFirst() }
            room.signal()  // (for the end too: a semaphore must end at its initial value)
            guard let batch = next else { break }
            batch.bytes.withUnsafeBytes { bytes in
                batch.stored.withUnsafeBytes { stored in
                    var start = 0
                    for row in 0..<batch.count {
                        let end = batch.ends[row]
                        let leaf = tree.hasher.leafDigest(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                        start = end
                        let index = batch.firstIndex + row
                        if !batch.storedIsHash[row] || !leaf.matches(UnsafeRawBufferPointer(rebasing: stored[row * 32..<(row + 1) * 32])) {
                            found.badLeaves.append(index)
                        }
                        tree.append(leaf)
                        if dueSizes.contains(index + 1) { found.roots.append((index + 1, tree.root())) }
                    }
                }
            }
        }
        found.levels = tree.levels
        found.nodeCount = tree.nodeCount
        found.root = tree.root()
        let final = found
        result.withLock { $0 = final }
        done.signal()
    }
}
