import Foundation
import Glibc
import IntakeDaemon
import Testing

@Suite struct SystemdTests {
    @Test func socketActivationVariables() {
        let pid: Int32 = 4242
        #expect(SocketActivation.sockets(environment: [:], pid: pid).isEmpty)
        #expect(SocketActivation.sockets(environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"], pid: pid).isEmpty)
        #expect(SocketActivation.sockets(environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "x"], pid: pid).isEmpty)
        #expect(SocketActivation.sockets(environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "unix:tcp"], pid: pid)
            == [.init(fd: 3, name: "unix"), .init(fd: 4, name: "tcp")])
        #expect(SocketActivation.sockets(environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "1"], pid: pid) == [.init(fd: 3, name: "unknown")])
    }

    @Test func watchdogInterval() {
        #expect(SystemdNotifier.watchdogInterval(environment: [:], pid: 1) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "3000000"], pid: 1) == .seconds(3))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "2"], pid: 1) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "0"], pid: 1) == nil)
    }

    /// The notifier writes datagrams to `$NOTIFY_SOCKET`, a path or an abstract name.
    @Test(arguments: [false, true])
    func notifierSendsDatagrams(abstract: Bool) throws {
        let name = abstract ? "@intake-test-\(UUID().uuidString)" : NSTemporaryDirectory() + "notify-\(UUID().uuidString).sock"
        let receiver = try NotifyReceiver(name)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": name])
        #expect(notifier.notify("READY=1\nSTATUS=ok"))
        #expect(receiver.receive(timeout: 5) == "READY=1\nSTATUS=ok")
        #expect(!SystemdNotifier(environment: [:]).notify("READY=1"))
    }
}

/// A datagram socket standing in for systemd's notification socket.
final class NotifyReceiver: @unchecked Sendable {
    let fd: Int32
    let name: String

    init(_ name: String) throws {
        self.name = name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(name.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path[0] == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        if !name.hasPrefix("@") { unlink(name) }
    }

    func receive(timeout: Double) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }

    /// Messages until one contains `text` (or the time is up); all received, in order.
    func receive(until text: String, timeout: Double) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, let message = receive(timeout: deadline.timeIntervalSinceNow) {
            messages.append(message)
            if message.contains(text) { break }
        }
        return messages
    }
}
