import Synchronization

/// The drop-directory service's work list: input names inotify reported, and whether a full
/// listing (a rescan) is due. The service's one worker takes it in batches; `add` says when
/// a drain must be started (none is running).
final class DropQueue: Sendable {
    enum Work: Sendable {
        case input(String)
        case rescan
    }

    /// The most inputs taken in one batch: large enough for group commits, small enough that
    /// a graceful shutdown waits for little.
    static let batchSize = 256

    private struct State {
        var names: [String] = []
        var queued: Set<String> = []
        var rescan = false
        var draining = false
        var stopped = false
    }

    private let state = Mutex(State())

    /// Queues `work`; true when the caller must start a drain.
    func add(_ work: Work) -> Bool {
        state.withLock { state in
            guard !state.stopped else { return false }
            switch work {
            case .input(let name): if state.queued.insert(name).inserted { state.names.append(name) }
            case .rescan: state.rescan = true
            }
            defer { state.draining = true }
            return !state.draining
        }
    }

    /// The next batch, or nil (and the drain ends) when nothing is queued or the queue was
    /// stopped. A due rescan lists the inboxes with `listing` first and queues what it finds.
    func next(listing: () -> [String]) -> [String]? {
        var listed: [String] = []
        while true {
            let step: Step = state.withLock { state in
                for name in listed where state.queued.insert(name).inserted { state.names.append(name) }
                listed = []
                if state.stopped {
                    state.draining = false
                    return .done
                }
                if state.rescan {
                    state.rescan = false
                    return .list
                }
                guard !state.names.isEmpty else {
                    state.draining = false
                    return .done
                }
                let batch = Array(state.names.prefix(Self.batchSize))
                state.names.removeFirst(batch.count)
                state.queued.subtract(batch)
                return .batch(batch)
            }
            switch step {
            case .done: return nil
            case .list: listed = listing()
            case .batch(let batch): return batch
            }
        }
    }

    private enum Step {
        case done
        case list
        case batch([String])
    }

    /// Takes no more work: the drain in progress ends after its batch.
    func stop() {
        state.withLock { $0.stopped = true }
    }
}
