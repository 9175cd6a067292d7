import Glibc
public import IntakeCore
import Logging
import Synchronization

/// The bound on quarantine/ (`[policy] max_quarantine_bytes`): rejected bytes are kept only
/// while they fit. Beyond it a rejection is recorded with its quarantine record but without
/// its bytes (`keptBytes: 0` in its event), a warning is logged and `[alerts] command` gets a
/// `quarantine-full` alert, once until the quarantine has room again.
///
/// The bytes in use are counted from quarantine/ when first needed (one `lstat` per file),
/// then kept up to date as rejections are kept. Two inputs recorded at the same moment on
/// different threads may take it past the bound by at most one input (`max_envelope_bytes`).
public final class QuarantineQuota: Sendable {
    let directory: String
    let limit: Int
    let alertCommand: String
    private let state = Mutex<(used: Int?, alerted: Bool)>((nil, false))

    /// What a rejection's message says when only its record was kept.
    static let fullNote = " (quarantine full: recorded without its bytes)"

    public init(layout: HomeLayout, settings: Settings) {
        directory = layout.quarantine
        limit = settings.policy.maxQuarantineBytes
        alertCommand = settings.alerts.command
    }

    /// Whether `bytes` more fit; when they do not, the first time, it says so (log and alert).
    public func hasRoom(for bytes: Int) -> Bool {
        let (room, newlyFull, used) = state.withLock { state -> (Bool, Bool, Int) in
            let used = state.used ?? Self.count(directory)
            state.used = used
            let room = used + bytes <= limit
            var newlyFull = false
            if !room {
                newlyFull = !state.alerted
                state.alerted = true
            } else if used + bytes <= limit / 10 * 9 {
                state.alerted = false  // room again: the next time it fills is announced
            }
            return (room, newlyFull, used)
        }
        if newlyFull { announce(used: used) }
        return room
    }

    /// `bytes` were kept in quarantine/.
    public func kept(_ bytes: Int) {
        state.withLock { state in if let used = state.used { state.used = used + bytes } }
    }

    private func announce(used: Int) {
        let logger = Logger(label: "intake")
        logger.warning("quarantine full: rejections are recorded without their bytes",
                       metadata: ["used": "\(used)", "limit": "\(limit)"])
        guard !alertCommand.isEmpty else { return }
        let alert = JSONValue.object(["kind": .string("quarantine-full"), "used": .int(used), "limit": .int(limit),
                                      "at": .string(SystemClock.now().rfc3339(milliseconds: true))])
        ShellCommand.start(alertCommand, input: CanonicalJSON.encodeString(alert) + "\n", logger: logger, purpose: "alert command")
    }

    static func count(_ directory: String) -> Int {
        var total = 0
        for name in (try? Directory.names(in: directory)) ?? [] {
            var info = stat()
            if lstat("\(directory)/\(name)", &info) == 0, info.st_mode & S_IFMT == S_IFREG { total += Int(info.st_size) }
        }
        return total
    }
}
