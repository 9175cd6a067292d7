import Foundation
import FuzzDriver
import IntakeCore
import IntakeDaemon
import IntakeTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Synchronization

/// The socket's request path on raw bytes, as a client writes them: one connection per input,
/// an `EmbeddedChannel` set up by `HTTPServer.configureConnection` exactly as every accepted
/// connection is (SwiftNIO's HTTP/1.1 request decoder and response encoder, pipelining
/// assistance, protocol-error handling, `HTTPConnectionHandler` with its `HTTPRequestMachine`),
/// over `SocketAPI` on a real home: admission and rate limits, routes, and submissions through
/// the whole pipeline into the ledger, store/ and quarantine/. The home decrypts with the
/// fuzzing-only EC intake key, trusts the fuzz CA, has police registered and RR-2026-014 open, a
/// 256 KiB envelope limit, and a fixed clock.
///
/// What differs from `intake serve`: answers are made on the event loop's thread
/// (`SocketAPI.Answering.onCallingThread`: an `EmbeddedEventLoop` must not be resumed from a
/// worker queue), time moves only when the target moves it (past the request timeout and the
/// linger after each input), and a half-close is a close (`EmbeddedChannel`).
///
/// After each input it checks that the connection is gone and gave back every admission slot
/// and byte of body memory, and that every answer is a well-formed HTTP/1.1 response with a
/// status the API documents (never 500, never "unavailable": nothing may fail to record).
final class Server: @unchecked Sendable {
    static let requestTimeout = 30
    /// Inputs served by one home before a fresh one replaces it (what submissions record adds up).
    static let homeLifetime = 5_000

    let test: TestHome
    let api: SocketAPI
    let http: HTTPServer
    /// Monotonic seconds for the rate limits: an hour passes between inputs, so each one starts
    /// with full budgets.
    final class Monotonic: Sendable {
        let seconds = Mutex<Double>(0)
    }
    let monotonic = Monotonic()
    var served = 0

    static let pki: TestPKI = {
        // Homes on a RAM disk when there is one: every submission is made durable (fsync).
        if access("/dev/shm", W_OK) == 0 { setenv("TMPDIR", "/dev/shm", 1) }
        do {
            let pki = try TestPKI(copying: URL(fileURLWithPath: fuzzKeysDirectory))
            // The home and the PKI's copy go when the run ends (a crash leaves them for a look).
            atexit {
                Server.current = nil
                try? FileManager.default.removeItem(at: Server.pki.directory)
            }
            return pki
        } catch {
            fatalError("cannot copy the fuzzing-only PKI: \(error)")
        }
    }()

    init() throws {
        test = try TestHome(pki: Self.pki, intakeKey: .ec, agencies: ["police"]) {
            $0.replacingOccurrences(of: "max_envelope_bytes = 67108864", with: "max_envelope_bytes = 262144")
        }
        let clock: @Sendable () -> UTCInstant = { UTCInstant(secondsSinceEpoch: fuzzReceivedAt) }
        let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
        let runtime = try Runtime(home: test.home, clock: clock)
        let monotonic = self.monotonic
        api = SocketAPI(runtime: runtime, metrics: IntakeMetrics(), logger: logger, clock: clock,
                        monotonic: { monotonic.seconds.withLock { $0 } }, answering: .onCallingThread)
        let listen = test.home.settings.listen
        http = HTTPServer(api: api, listeners: [], logger: logger, requestTimeout: .seconds(Self.requestTimeout),
                          shutdownGrace: .seconds(1), maxConnections: listen.maxConnections)
    }

    nonisolated(unsafe) static var current: Server?

    static func next() -> Server {
        if let server = current, server.served < homeLifetime { return server }
        current = nil  // the old home goes first
        do { current = try Server() } catch { fatalError("cannot make the fuzz home: \(error)") }
        return current!
    }

    /// Serves `input` on one connection; returns what was written back.
    func serve(_ input: [UInt8]) -> [UInt8] {
        served += 1
        monotonic.seconds.withLock { $0 += 3600 }
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        do {
            try channel.pipeline.syncOperations.addHandler(ClosedChannelRefusesWrites())
            try http.configureConnection(channel)
            channel.connect(to: try SocketAddress(unixDomainSocketPath: "/fuzz.sock"), promise: nil)
        } catch {
            fatalError("cannot set up the connection: \(error)")
        }
        var output: [UInt8] = []
        func collect() {
            while let data = try? channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = data { output += buffer.readableBytesView }
            }
        }
        // As the bytes might arrive: whole, or in pieces of a size the input picks.
        let piece = Self.pieceSize(input)
        var offset = 0
        while offset < input.count && channel.isActive {
            let end = min(input.count, offset + piece)
            _ = try? channel.writeInbound(channel.allocator.buffer(bytes: input[offset..<end]))
            loop.run()
            collect()
            offset = end
        }
        // The request timeout (408 mid-request, or an idle close), then the linger after a close.
        loop.advanceTime(by: .seconds(Int64(Self.requestTimeout + 1)))
        loop.advanceTime(by: .seconds(3))
        collect()
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.advanceTime(by: .seconds(60))  // whatever the close scheduled
        collect()
        guard http.openConnections == 0, api.inFlight == 0, api.reservedBodyBytes == 0 else {
            fatalError("a connection left something behind: \(http.openConnections) open, \(api.inFlight) in flight, "
                       + "\(api.reservedBodyBytes) body bytes reserved")
        }
        return output
    }

    /// Whole for most inputs; in pieces of 1, 7 or 100 bytes for some (from a cheap hash of the
    /// input, so that a seed keeps its bytes and a mutation may change how they arrive).
    static func pieceSize(_ input: [UInt8]) -> Int {
        let hash = input.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        switch hash % 8 {
        case 0 where input.count <= 4096: return 1
        case 1: return 7
        case 2: return 100
        default: return max(input.count, 1)
        }
    }

    /// The statuses docs/openapi.json gives the socket (and NIO's 400 for what does not parse),
    /// and 100 Continue, the interim answer to `Expect: 100-continue` (RFC 9110 §15.2.1).
    static let statuses: Set<Int> = [100, 200, 201, 400, 403, 404, 405, 408, 409, 411, 413, 422, 429, 503]

    /// Every answer is `HTTP/1.1 STATUS …` with a documented status and a Content-Length its
    /// body matches (HEAD answers have none); a 503 is only ever "busy"; nothing follows an
    /// answer that said `Connection: close`.
    static func check(_ output: [UInt8]) {
        var rest = output[...]
        var closed = false
        let separator: [UInt8] = [13, 10, 13, 10]
        while !rest.isEmpty {
            guard let end = rest.firstRange(of: separator) else { fail("an answer without the end of its head", output) }
            let head = String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self)
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let status = lines[0].split(separator: " ")
            guard status.count >= 2, status[0] == "HTTP/1.1", let code = Int(status[1]), statuses.contains(code) else {
                fail("an answer with the status line \(lines[0])", output)
            }
            let length = lines.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if closed { fail("an answer after one that said Connection: close", output) }
            closed = lines.dropFirst().contains { $0.lowercased() == "connection: close" }
            rest = rest[end.upperBound...]
            // A HEAD answer carries the GET's length and no body: the next answer (if any) follows at once.
            let headOnly = length > 0 && (rest.isEmpty || rest.starts(with: Array("HTTP/1.1 ".utf8)))
            guard headOnly || rest.count >= length else { fail("an answer shorter than its Content-Length", output) }
            let body = headOnly ? "" : String(decoding: rest.prefix(length), as: UTF8.self)
            if code == 503 && !body.contains("\"busy\"") { fail("a 503 that is not busy: \(body)", output) }
            Tally.add({
                let json = try? JSONParser.parse(Array(body.utf8))
                return "\(code) " + (json?["error"]?.stringValue ?? json?["status"]?.stringValue ?? (headOnly ? "(HEAD)" : ""))
            }())
            if !headOnly { rest = rest.dropFirst(length) }
        }
    }

    static func fail(_ what: String, _ output: [UInt8]) -> Never {
        fatalError("\(what)\n--- output ---\n\(String(decoding: output.prefix(2000), as: UTF8.self))")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Server.check(Server.next().serve(Array(UnsafeBufferPointer(start: data, count: size))))
    return 0
}

@_cdecl("FuzzHTTP_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }

/// What a socket channel does and an `EmbeddedChannel` does not: once the channel is closed,
/// writes fail instead of reaching the peer (so that, as in `intake serve`, what the HTTP
/// decoder's error handler tries to write while the connection closes goes nowhere).
final class ClosedChannelRefusesWrites: ChannelOutboundHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard context.channel.isActive else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(data, promise: promise)
    }
}
