import Synchronization

/// What `systemctl status intake` shows on its Status line: the inputs processed since
/// start by outcome, sent as `STATUS=` after each one (and `READY=1` once every part of the
/// daemon is live).
public final class ServiceStatus: Sendable {
    let notifier: SystemdNotifier
    let parts: Int
    private let state = Mutex<(ready: Int, accepted: Int, duplicate: Int, rejected: Int)>((0, 0, 0, 0))
    private let onReady: @Sendable () -> Void

    /// `parts`: how many parts must report ready (`partReady`) before `READY=1` is sent.
    public init(notifier: SystemdNotifier, parts: Int, onReady: @escaping @Sendable () -> Void = {}) {
        self.notifier = notifier
        self.parts = parts
        self.onReady = onReady
    }

    /// One part (drop directory, socket) is live; the last one sends `READY=1`.
    public func partReady() {
        let all = state.withLock { state -> Bool in
            state.ready += 1
            return state.ready == parts
        }
        guard all else { return }
        notifier.notify("READY=1\n" + statusLine())
        onReady()
    }

    public func record(_ outcome: Outcome) {
        state.withLock { state in
            switch outcome.status {
            case .accepted, .acceptedIncomplete: state.accepted += 1
            case .duplicate: state.duplicate += 1
            case .rejected: state.rejected += 1
            }
        }
        notifier.notify(statusLine())
    }

    public func statusLine() -> String {
        let counts = state.withLock { $0 }
        return "STATUS=\(counts.ready >= parts ? "ready" : "starting"): \(counts.accepted) accepted, \(counts.duplicate) duplicate, \(counts.rejected) rejected since start"
    }
}
