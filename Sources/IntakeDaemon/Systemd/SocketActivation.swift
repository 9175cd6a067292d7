import Glibc

/// systemd socket activation (sd_listen_fds(3)): the listening sockets systemd passes in,
/// starting at descriptor 3, when `LISTEN_PID` is this process and `LISTEN_FDS` counts them;
/// `LISTEN_FDNAMES` (colon-separated) names them (`FileDescriptorName=` in the socket unit).
public enum SocketActivation {
    public struct Socket: Sendable, Equatable {
        public var fd: Int32
        public var name: String

        public init(fd: Int32, name: String) {
            self.fd = fd
            self.name = name
        }
    }

    /// The first passed descriptor (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: Int32 = 3

    /// The passed sockets named by `environment`, for the process `pid`; none when the
    /// variables are absent, malformed or meant for another process.
    public static func sockets(environment: [String: String], pid: Int32) -> [Socket] {
        guard let listenPID = environment["LISTEN_PID"].flatMap({ Int32($0) }), listenPID == pid,
              let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), (1...1024).contains(count)
        else { return [] }
        let names = environment["LISTEN_FDNAMES"].map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        return (0..<count).map { offset in
            Socket(fd: firstDescriptor + Int32(offset), name: offset < names.count ? names[offset] : "unknown")
        }
    }

    /// Takes the passed sockets for this process: unsets the variables (children must not
    /// inherit them), marks each descriptor close-on-exec, and keeps only stream sockets
    /// that are listening.
    public static func take(environment: [String: String]) -> [Socket] {
        let found = sockets(environment: environment, pid: getpid())
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        return found.filter { socket in
            _ = fcntl(socket.fd, F_SETFD, FD_CLOEXEC)
            var type: Int32 = 0, listening: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(socket.fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0, type == Int32(SOCK_STREAM.rawValue) else { return false }
            length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(socket.fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening != 0
        }
    }
}
