import NIOCore

/// The raw bytes of a connection, looked at (never changed) by an `HTTPFramingScanner` before
/// SwiftNIO's decoder sees them: it is first in the pipeline. The connection handler reads
/// `framing` (for a 408 to a client that stops mid-head) and is told, by a `ChunkOverLimit`
/// event, when a chunked body declares more than the limit.
final class RequestBytesTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Shared with the connection handler of the same channel (one event loop).
    final class Framing {
        var scanner: HTTPFramingScanner
        /// The tap's place in the pipeline: below the HTTP encoder.
        fileprivate var context: ChannelHandlerContext?
        init(limit: Int) { scanner = HTTPFramingScanner(limit: limit) }

        /// Answers a request whose head never finished with 408 and closes. Written below the
        /// HTTP encoder, as bytes: SwiftNIO's server pipeline has seen no request to answer
        /// (and would stop the process if a response came with none).
        func timeOutHead(body: [UInt8]) {
            guard let context else { return }
            let head = "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n"
                + "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
            let buffer = context.channel.allocator.buffer(bytes: Array(head.utf8) + body)
            context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    struct ChunkOverLimit: Sendable {
        var declared: UInt64
    }

    let framing: Framing

    init(framing: Framing) { self.framing = framing }

    func handlerAdded(context: ChannelHandlerContext) { framing.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { framing.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Told before the decoder sees these bytes: a size it cannot parse (past 2^64) makes it
        // fail the request with 400, and the 413 must come first.
        if case .overLimit(let declared) = framing.scanner.feed(unwrapInboundIn(data).readableBytesView) {
            context.fireUserInboundEventTriggered(ChunkOverLimit(declared: declared))
        }
        context.fireChannelRead(data)
    }
}
