import Glibc

/// An exclusive lock on a home (`HOME/.intake.lock`, flock(2)), so that only one daemon
/// serves it. Released on exit, however the process ends.
public final class HomeLock: Sendable {
    let fd: Int32

    public init(layout: HomeLayout) throws {
        let path = layout.path(".intake.lock")
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HomeError("lock-failed", "cannot open \(path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw HomeError("already-running", "another `intake serve` is running on \(layout.root)")
        }
    }

    public func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
