import Glibc

/// The modes of what the intake keeps, set explicitly whatever the umask (docs/deploying.md,
/// "Who can read what"): the upload front ends in the `intake` group reach drop/ and the
/// socket and nothing else; the ledger, store/, quarantine/, receipts/ and packs/ are the
/// intake user's alone; published checkpoints are group-readable.
///
/// A read-write open brings an older home (a 0644 ledger, 0750 store/) to these modes. A
/// path owned by another user (root's home made by hand) is left alone: only its owner may
/// chmod it.
public enum HomeModes {
    /// Creates an empty ledger file 0600 when there is none, so that SQLite (which gives the
    /// -wal and -shm files the database's mode) never makes it world-readable, then brings
    /// every directory and file of `HomeLayout` to its mode.
    public static func apply(_ layout: HomeLayout) {
        if access(layout.ledger, F_OK) != 0 {
            let fd = open(layout.ledger, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd >= 0 { close(fd) }
        }
        for (path, mode) in layout.directories + layout.fileModes {
            set(path, mode)
        }
    }

    static func set(_ path: String, _ mode: UInt32) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_uid == geteuid(),
              info.st_mode & S_IFMT == S_IFDIR || info.st_mode & S_IFMT == S_IFREG,
              info.st_mode & 0o7777 != mode_t(mode)
        else { return }
        chmod(path, mode_t(mode))
    }
}
