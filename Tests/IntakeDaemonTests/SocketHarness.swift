import Foundation
import IntakeCore
import IntakeDaemon
import IntakeTestSupport
import Logging
import ServiceLifecycle

/// An HTTP server on a test home, running in-process in a ServiceGroup, as `intake serve`
/// runs it (without the drop directory).
final class RunningSocket: @unchecked Sendable {
    let test: TestHome
    let runtime: Runtime
    let metrics: IntakeMetrics
    let api: SocketAPI
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let socketPath: String

    init(_ test: TestHome, clock: @escaping @Sendable () -> UTCInstant = SystemClock.now) async throws {
        self.test = test
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        runtime = try Runtime(home: test.home, clock: clock)
        metrics = IntakeMetrics()
        api = SocketAPI(runtime: runtime, metrics: metrics, logger: logger, clock: clock)
        let settings = test.home.settings
        let listeners = HTTPServer.listeners(settings: settings.listen, home: test.layout, activated: [])
        socketPath = test.layout.path(settings.listen.unix)
        let (ready, continuation) = AsyncStream<Void>.makeStream()
        let server = HTTPServer(api: api, listeners: listeners, logger: logger, requestTimeout: .seconds(settings.listen.requestTimeout),
                                shutdownGrace: .seconds(settings.daemon.shutdownGrace), maxConnections: settings.listen.maxConnections,
                                maxConnectionsPerPeer: settings.listen.maxConnectionsPerPeer,
                                onReady: { _ in continuation.yield(); continuation.finish() })
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        self.group = group
        task = Task { try await group.run() }
        for await _ in ready { break }
    }

    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> HTTPTestResponse {
        try HTTPTestConnection.request(unix: socketPath, method, target, headers: headers, body: body)
    }

    func submit(_ envelope: [UInt8]) throws -> HTTPTestResponse {
        try request("POST", "/v1/submissions", headers: [("Content-Type", "application/pkcs7-mime")], body: envelope)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
