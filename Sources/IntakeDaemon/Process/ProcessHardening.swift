import CIntakeSystem
import Glibc

/// What keeps decrypted content out of core dumps and crash reports, for every command that
/// opens envelopes or builds packs (`serve`, `ingest`, `pack release`, `demo`).
///
/// Decrypted returns live only in memory, and the buffers the intake owns are wiped after use
/// (the decryption output, the inner SignedData's content, the pack's archive), but the text
/// parsed out of a return lives in Swift strings that nothing can wipe. So the process is made
/// non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`) with `RLIMIT_CORE` 0 (and `LimitCORE=0` in
/// the systemd unit), and a crash ends the process: the Swift runtime's backtracer, which
/// prints registers with the memory they point at and on `SIGABRT` left `serve` running,
/// is replaced by a handler that writes one fixed line and re-raises the signal, so that the
/// process ends by it (non-zero; systemd restarts it).
public enum ProcessHardening {
    /// What was in force after `apply`, read back from the kernel.
    public struct State: Sendable, Equatable {
        public var dumpable: Bool
        /// The soft core-file limit in bytes; nil when unlimited.
        public var coreLimit: Int64?
        /// The crash handlers were installed.
        public var crashHandlers: Bool
        /// Why a step failed (e.g. `setrlimit` refused by a seccomp filter), or nil.
        public var failure: String?
    }

    /// Applied once per process, on first use (the executable's `main` does it first of all),
    /// and what was in force then.
    public static let applied: State = apply()

    /// Disables core dumps and installs the crash handlers. A step that fails is reported in
    /// the state, not thrown: under systemd's `SystemCallFilter=~@resources`, `setrlimit`
    /// fails with EPERM while `LimitCORE=0` has already set the limit.
    static func apply() -> State {
        var failure: String?
        if intake_disable_core_dumps() != 0 { failure = "core dumps: \(String(cString: strerror(errno)))" }
        let handlers = intake_install_crash_handlers() == 0
        if !handlers, failure == nil { failure = "crash handlers: \(String(cString: strerror(errno)))" }
        return current(crashHandlers: handlers, failure: failure)
    }

    /// The process's state now.
    public static func current(crashHandlers: Bool = false, failure: String? = nil) -> State {
        let limit = intake_core_limit()
        return State(dumpable: intake_is_dumpable() != 0, coreLimit: limit == -1 ? nil : Int64(limit),
                     crashHandlers: crashHandlers, failure: failure)
    }
}
