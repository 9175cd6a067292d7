import Glibc
import IntakeCore
import NIOCore
import NIOHTTP1

/// Sent to every connection when the server begins its graceful shutdown.
struct DrainEvent: Sendable {}

/// One HTTP/1.1 connection: feeds the request parts to an `HTTPRequestMachine` and performs
/// the actions it returns — asking `SocketAPI` for admission, keeping the body (within the
/// limit, checked as it streams), running the application, writing the response. A client
/// has `requestTimeout` to send each whole request (408 and close if it stalls mid-request);
/// an idle keep-alive connection is closed after the same time.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let api: SocketAPI
    let connections: ConnectionRegistry
    let requestTimeout: TimeAmount
    private var machine: HTTPRequestMachine
    private var head: HTTPRequestMachine.Head?
    private var isHEAD = false
    private var keepAlive = true
    private var chunked = false
    private var body: [UInt8] = []
    private var ticket = SocketAPI.Ticket()
    private var timer: Scheduled<Void>?
    private var peer = "unix"
    private var listener = "unix"
    private var draining = false
    private var closing = false
    private var registered = false
    private var discarded = 0

    /// After answering a request whose body it will not read, the connection stops writing,
    /// reads and drops up to this much more for up to `lingerTime`, then closes.
    static let lingerBytes = 4 << 20
    static let lingerTime = TimeAmount.seconds(2)

    /// What `RequestBytesTap` saw of the raw bytes (a head begun but not complete).
    let framing: RequestBytesTap.Framing
    private var expectsContinue = false
    /// A chunk declared over the limit before the head it belongs to was decoded.
    private var declaredOverLimit: UInt64?

    init(api: SocketAPI, connections: ConnectionRegistry, requestTimeout: TimeAmount, framing: RequestBytesTap.Framing) {
        self.api = api
        self.connections = connections
        self.requestTimeout = requestTimeout
        self.framing = framing
        machine = HTTPRequestMachine(bodyLimit: api.bodyLimit)
    }

    func channelActive(context: ChannelHandlerContext) {
        listener = Self.listenerName(context.channel)
        // Admitted by its listener's budget and its peer's cap (ConnectionLimiter), once the
        // peer is known: a Unix-socket peer's uid is read with SO_PEERCRED.
        identifyPeer(context: context) { [self] in
            guard !closing else { return }
            if let refused = connections.add(context.channel, listener: listener, peer: peer) {
                api.metrics.recordRefusal(cause: refused.rawValue)
                closing = true
                context.close(promise: nil)
                return
            }
            registered = true
            if connections.isDraining { startDraining(context: context) }
        }
        armTimer(context: context)
        context.fireChannelActive()
    }

    /// `unix` for the Unix socket, `tcp` for a TCP listener: each has its own budget.
    static func listenerName(_ channel: any Channel) -> String {
        switch channel.localAddress {
        case .v4?, .v6?: "tcp"
        default: "unix"
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if !machine.isProcessing {
            api.release(ticket)
            ticket = SocketAPI.Ticket()
        }
        if registered { connections.remove(context.channel, listener: listener, peer: peer) }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent {
            startDraining(context: context)
            return
        }
        if let over = event as? RequestBytesTap.ChunkOverLimit {
            // A chunk size line declared more than the limit: 413 now, not after the limit's
            // worth of data.
            // The event comes before the bytes that carry it reach the decoder: when the head is
            // in the same bytes, it is applied once the head is admitted.
            if !closing {
                if machine.isMidRequest { perform(machine.declaredOverLimit(over.declared), context: context) } else { declaredOverLimit = over.declared }
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else {
            // Lingering: what the client still sends is read and dropped, so that closing does
            // not reset the connection before it has read our answer; but only so much.
            if case .body(let buffer) = unwrapInboundIn(data) {
                discarded += buffer.readableBytes
                if discarded > Self.lingerBytes { context.close(promise: nil) }
            }
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let request):
            isHEAD = request.method == .HEAD
            keepAlive = request.isKeepAlive && !draining
            // RFC 9110 §10.1.1: a client that sent Expect: 100-continue waits for 100 before
            // its body; it is sent once the request is admitted (a refusal is sent instead).
            expectsContinue = request.version == .http1_1
                && request.headers["expect"].contains { $0.lowercased().filter { $0 != " " && $0 != "\t" } == "100-continue" }
            let lengths = request.headers["content-length"]
            let encoding = request.headers["transfer-encoding"].joined(separator: ",").lowercased()
            chunked = encoding.contains("chunked")
            let declared = lengths.first.flatMap { Int($0.filter { $0 != " " && $0 != "\t" }) }
            if lengths.count > 1 || (!lengths.isEmpty && declared == nil) || (declared ?? 0) < 0 {
                perform(.refuse(.init(status: 400, code: "bad-request", message: "bad Content-Length", allow: nil, close: true)),
                        context: context)
                return
            }
            let parsed = HTTPRequestMachine.Head(method: request.method.rawValue, target: request.uri,
                                                 contentLength: chunked ? nil : declared, chunked: chunked)
            head = parsed
            // While draining, a request already sent on an open connection is in flight: it is
            // served, and the connection closes after its answer.
            perform(machine.head(parsed), context: context)
            if let declared = declaredOverLimit {
                declaredOverLimit = nil
                if !closing && machine.isMidRequest { perform(machine.declaredOverLimit(declared), context: context) }
            }
        case .body(let buffer):
            let count = buffer.readableBytes
            let action = machine.body(count: count)
            if action == .keep {
                if chunked && !api.reserve(&ticket, total: body.count + count) {
                    perform(.refuse(.init(status: 503, code: "busy", message: "the intake is busy; retry later", allow: nil, close: true)),
                            context: context, retryAfter: 1)
                    return
                }
                body.append(contentsOf: buffer.readableBytesView)
            } else {
                perform(action, context: context)
            }
        case .end:
            perform(machine.end(), context: context)
        }
    }

    private func perform(_ action: HTTPRequestMachine.Action, context: ChannelHandlerContext, retryAfter: Int? = nil) {
        switch action {
        case .none, .keep:
            // A refused request's end while draining: nothing more will come on this connection.
            if draining && !closing && machine.state == .idle {
                context.close(promise: nil)
            }
        case .admit(let route, let declaredLength):
            switch api.admit(route: route, declaredLength: declaredLength, peer: peer) {
            case .admitted(let granted):
                ticket = granted
                body = []
                if let declaredLength, declaredLength > 0 { body.reserveCapacity(declaredLength) }
                if expectsContinue, head?.hasBody == true {
                    expectsContinue = false
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
                }
            case .refused(let status, let code, let message, let retry):
                guard let head else { return }
                perform(machine.refusedAdmission(head, status: status, code: code, message: message), context: context,
                        retryAfter: retry)
            }
        case .refuse(let refusal):
            if refusal.status == 413 { api.metrics.recordRefusal(cause: "too-large") }
            api.release(ticket)
            ticket = SocketAPI.Ticket()
            body = []
            var headers: [(String, String)] = []
            if let allow = refusal.allow { headers.append(("Allow", allow)) }
            if let retryAfter { headers.append(("Retry-After", "\(retryAfter)")) }
            write(.error(refusal.status, refusal.code, refusal.message, headers: headers), context: context,
                  close: refusal.close || !keepAlive)
        case .dispatch(let route):
            timer?.cancel()
            timer = nil
            let bytes = body
            body = []
            let replied = context.eventLoop.makePromise(of: HTTPReply.self)
            api.handle(route, body: bytes, peer: peer) { replied.succeed($0) }
            replied.futureResult.assumeIsolated().whenSuccess { reply in
                self.api.release(self.ticket)
                self.ticket = SocketAPI.Ticket()
                self.machine.responded()
                // A connection that registered after the drain began gets no DrainEvent: ask.
                self.write(reply, context: context, close: !self.keepAlive || self.draining || self.connections.isDraining)
            }
        }
    }

    /// Graceful shutdown: answer what is in flight and close. A connection with nothing in
    /// hand may still have a request on its way (sent before the listener closed): it gets a
    /// moment to arrive before the connection closes.
    private func startDraining(context: ChannelHandlerContext) {
        draining = true
        keepAlive = false
        guard !machine.isMidRequest && !machine.isProcessing else { return }
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.drainPause) { [self] in
            if !closing && !machine.isMidRequest && !machine.isProcessing { context.close(promise: nil) }
        }
    }

    static let drainPause = TimeAmount.milliseconds(250)

    private func write(_ reply: HTTPReply, context: ChannelHandlerContext, close: Bool) {
        guard !closing else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: "\(reply.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in reply.headers { headers.add(name: name, value: value) }
        if close { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: reply.status, reasonPhrase: HTTPReply.phrase(reply.status))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !isHEAD && !reply.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: reply.body)))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if close {
            closing = true
            timer?.cancel()
            written.futureResult.assumeIsolated().whenComplete { _ in
                // Half-close: the client sees the end of our answer, and has time to read it
                // before the connection goes (closing with its unread bytes would reset it).
                context.close(mode: .output).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
                context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) { context.close(promise: nil) }
            }
        } else {
            armTimer(context: context)
        }
    }

    private func armTimer(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) { [self] in
            timer = nil
            guard !closing, !machine.isProcessing else { return }
            if !machine.isMidRequest && framing.scanner.isMidHead {
                // A head begun and not finished: NIO's pipeline has no request to answer, so
                // the tap answers below it.
                api.metrics.recordRefusal(cause: "timeout")
                closing = true
                framing.timeOutHead(body: HTTPReply.error(408, "timeout", "the request was not received in time").body)
            } else if machine.isMidRequest {
                api.metrics.recordRefusal(cause: "timeout")
                api.release(ticket)
                ticket = SocketAPI.Ticket()
                write(.error(408, "timeout", "the request was not received in time"), context: context, close: true)
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// The peer's name for rate limits and logs: the uid of a Unix-socket peer, the address of
    /// a TCP peer.
    private func identifyPeer(context: ChannelHandlerContext, then: @escaping () -> Void) {
        if let remote = context.channel.remoteAddress, let ip = remote.ipAddress {
            peer = ip
            then()
            return
        }
        guard let provider = context.channel as? any SocketOptionProvider else { then(); return }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(level: .socket, name: .init(rawValue: SO_PEERCRED))
        credentials.assumeIsolated().whenComplete { [self] result in
            if case .success(let credentials) = result { peer = "uid:\(credentials.uid)" }
            then()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// `struct ucred` (socket(7), SO_PEERCRED), which Glibc's module does not export.
struct PeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
