import Glibc

/// The client side of the intake socket, for `intake submit` (an upload front end's hook)
/// and the demo: one request per connection (`Connection: close`), over a Unix socket.
public enum SocketClient {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    /// Sends one request and reads the whole response (to the end of the connection).
    public static func request(unixPath: String, method: String, target: String, body: [UInt8] = [],
                               contentType: String = "application/pkcs7-mime", timeoutSeconds: Int = 300) throws(HomeError) -> Response {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot make a socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(unixPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { throw HomeError("bad-socket", "\(unixPath) is too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw failure("cannot connect to \(unixPath)") }
        var request = Array("\(method) \(target) HTTP/1.1\r\nHost: intake\r\nConnection: close\r\n".utf8)
        if method == "POST" { request += Array("Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n".utf8) }
        request += Array("\r\n".utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            // The daemon may answer (413, 429) and stop reading before the body is all sent.
            guard count > 0 else { break }
            sent += count
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                if count < 0 && received.isEmpty { throw failure("no answer from \(unixPath)") }
                break
            }
            received += chunk[0..<count]
        }
        return try parse(received)
    }

    /// Status and body of a whole HTTP/1.1 response with a Content-Length.
    static func parse(_ bytes: [UInt8]) throws(HomeError) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw HomeError("bad-response", "the daemon's answer was cut short")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw HomeError("bad-response", "no HTTP status line") }
        var body = Array(bytes[(end + 4)...])
        if let lengthLine = head.first(where: { $0.lowercased().hasPrefix("content-length:") }),
           let length = Int(lengthLine.split(separator: ":")[1].filter { $0 != " " }) {
            guard body.count >= length else { throw HomeError("bad-response", "the daemon's answer was cut short") }
            body = Array(body.prefix(length))
        }
        return Response(status: status, body: body)
    }

    private static func failure(_ what: String) -> HomeError {
        HomeError("socket-unavailable", "\(what): \(String(cString: strerror(errno))) (is intake serve running?)")
    }
}
