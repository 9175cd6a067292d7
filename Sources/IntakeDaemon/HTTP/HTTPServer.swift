public import IntakeCore
import Glibc
public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle

/// The intake socket as a long-running service (DESIGN §6): HTTP/1.1 on the home's Unix
/// socket (mode 0660, group `[listen] group`), optionally on a loopback TCP address, or on
/// the listening sockets systemd passed in (socket activation), served with SwiftNIO.
///
/// Graceful shutdown: the listeners close at once (nothing new is accepted), idle
/// connections close, requests being received or processed finish and are answered (with
/// `Connection: close`), and whatever is still open when `[daemon] shutdown_grace` ends is
/// closed. A submission's recording is never cut short: it completes or rolls back whole.
public final class HTTPServer: Service, Sendable {
    public enum Listener: Sendable, Equatable {
        /// A Unix socket at this path (replacing a stale one), mode 0660, owned by `group`.
        case unix(path: String, group: String)
        /// A TCP listener on a loopback `HOST:PORT`.
        case tcp(String)
        /// A listening socket inherited from systemd.
        case inherited(SocketActivation.Socket)
    }

    let api: SocketAPI
    let listeners: [Listener]
    let logger: Logger
    let requestTimeout: Duration
    let shutdownGrace: Duration
    let onReady: @Sendable ([String]) -> Void
    let connections: ConnectionRegistry

    /// `onReady` is given a description of each listener once all are live.
    public init(api: SocketAPI, listeners: [Listener], logger: Logger, requestTimeout: Duration, shutdownGrace: Duration,
                maxConnections: Int, maxConnectionsPerPeer: Int? = nil, onReady: @escaping @Sendable ([String]) -> Void = { _ in }) {
        self.api = api
        self.listeners = listeners
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.shutdownGrace = shutdownGrace
        self.onReady = onReady
        connections = ConnectionRegistry(limit: maxConnections, perPeer: maxConnectionsPerPeer ?? maxConnections)
    }

    /// The listeners a daemon uses: systemd's sockets when it passed any, else the settings'.
    public static func listeners(settings: Settings.Listen, home: HomeLayout, activated: [SocketActivation.Socket]) -> [Listener] {
        if !activated.isEmpty { return activated.map { .inherited($0) } }
        var result: [Listener] = [.unix(path: settings.unix.hasPrefix("/") ? settings.unix : home.path(settings.unix),
                                        group: settings.group)]
        if !settings.tcp.isEmpty { result.append(.tcp(settings.tcp)) }
        return result
    }

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var servers: [any Channel] = []
        do {
            for listener in listeners { servers.append(try await bind(listener, group: group)) }
        } catch {
            for server in servers { try? await server.close() }
            try? await group.shutdownGracefully()
            throw error
        }
        onReady(listeners.map(Self.describeListener))
        let summariser = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(60))
                api.summariseRefusals()
                summariseConnectionRefusals()
            }
        }
        // Runs until graceful shutdown (or cancellation).
        try? await gracefulShutdown()
        summariser.cancel()
        for server in servers { try? await server.close() }
        if case .unix(let path, _) = listeners.first(where: { if case .unix = $0 { true } else { false } }) { unlink(path) }
        connections.drain()
        let deadline = ContinuousClock.now + shutdownGrace
        while (connections.count > 0 || api.inFlight > 0) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if connections.count > 0 {
            logger.warning("closing connections at the end of the grace period", metadata: ["connections": "\(connections.count)"])
        }
        connections.closeAll()
        // A submission being recorded is never abandoned: wait for it even past the grace period.
        while api.inFlight > 0 { try? await Task.sleep(for: .milliseconds(20)) }
        api.summariseRefusals()
        summariseConnectionRefusals()
        try? await group.shutdownGracefully()
    }

    /// Sets up an accepted connection, on its event loop: a tap that watches the raw framing
    /// (`RequestBytesTap`), SwiftNIO's HTTP/1.1 request decoder and response encoder (with
    /// pipelining assistance and protocol-error handling), then the connection handler. Every listener's connections get this; so does the HTTP fuzz target's
    /// `EmbeddedChannel`.
    public func configureConnection(_ channel: any Channel) throws {
        let timeout = TimeAmount.nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000
            + requestTimeout.components.attoseconds / 1_000_000_000)
        let framing = RequestBytesTap.Framing(limit: api.bodyLimit)
        try channel.pipeline.syncOperations.addHandler(RequestBytesTap(framing: framing))
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
        try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(api: api, connections: connections, requestTimeout: timeout,
                                                                             framing: framing))
    }

    /// Connections open now (`max_connections` bounds each listener's).
    public var openConnections: Int { connections.count }

    /// Connections open on `listener` (`unix` or `tcp`), and from `peer` there (`uid:N`, an address).
    public func openConnections(listener: String, peer: String? = nil) -> Int { connections.openCount(listener: listener, peer: peer) }

    /// Logs the connections refused since the last call: one line per listener, peer and cause.
    func summariseConnectionRefusals() {
        for refusals in connections.takeRefusals() {
            logger.warning("connections refused", metadata: [
                "listener": "\(refusals.listener)", "peer": "\(refusals.peer)", "cause": "\(refusals.cause.rawValue)",
                "count": "\(refusals.count)",
            ])
        }
    }

    private func bind(_ listener: Listener, group: MultiThreadedEventLoopGroup) async throws -> any Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try configureConnection(channel) }
            }
            .childChannelOption(.maxMessagesPerRead, value: 16)
        switch listener {
        case .unix(let path, let groupName):
            do {
                let channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
                var gid: gid_t = getegid()
                if !groupName.isEmpty {
                    guard let entry = getgrnam(groupName) else {
                        try? await channel.close()
                        throw HomeError("bad-group", "[listen] group \(groupName) does not exist")
                    }
                    gid = entry.pointee.gr_gid
                }
                guard chown(path, uid_t.max, gid) == 0 || groupName.isEmpty, chmod(path, 0o660) == 0 else {
                    let reason = String(cString: strerror(errno))
                    try? await channel.close()
                    throw HomeError("socket-permissions", "cannot set the mode or group of \(path): \(reason)")
                }
                return channel
            } catch let error as HomeError {
                throw error
            } catch {
                throw HomeError("cannot-listen", "cannot listen on \(path): \(error)")
            }
        case .tcp(let address):
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
                throw HomeError("cannot-listen", "bad TCP address \(address)")
            }
            var host = String(address[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            do {
                return try await bootstrap.bind(host: host, port: port).get()
            } catch {
                throw HomeError("cannot-listen", "cannot listen on \(address): \(error)")
            }
        case .inherited(let socket):
            do {
                return try await bootstrap.withBoundSocket(socket.fd).get()
            } catch {
                throw HomeError("cannot-listen", "cannot use the socket systemd passed (fd \(socket.fd), \(socket.name)): \(error)")
            }
        }
    }

    public static func describeListener(_ listener: Listener) -> String {
        switch listener {
        case .unix(let path, _): "unix:\(path)"
        case .tcp(let address): "tcp:\(address)"
        case .inherited(let socket): "systemd:\(socket.name)"
        }
    }
}
