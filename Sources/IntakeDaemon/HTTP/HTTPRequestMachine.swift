import IntakeCore

/// One HTTP/1.1 connection's request handling as a state machine that returns actions and
/// does no I/O (the NIO handler performs them). It enforces the body limit while the body
/// streams in, before it is buffered: a declared `Content-Length` over the limit is refused
/// at once with 413, and a chunked body is refused the moment it passes the limit.
///
///     idle ──head──▶ receiving(route) ──body…──▶ receiving ──end──▶ processing ──responded──▶ idle
///       │               │ over the limit / refused early
///       │               ▼
///       └──head──▶ refused (the rest of the request is discarded; the connection closes
///                  when the request had a body)
public struct HTTPRequestMachine: Sendable {
    /// What the handler learnt from the request head.
    public struct Head: Sendable, Equatable {
        public var method: String
        public var target: String
        /// The declared `Content-Length`, if any.
        public var contentLength: Int?
        /// Whether the body is chunked (or otherwise of unknown length).
        public var chunked: Bool

        public init(method: String, target: String, contentLength: Int?, chunked: Bool) {
            self.method = method
            self.target = target
            self.contentLength = contentLength
            self.chunked = chunked
        }

        var hasBody: Bool { chunked || (contentLength ?? 0) > 0 }
    }

    /// A response decided by the machine itself (not by the application).
    public struct Refusal: Sendable, Equatable {
        public var status: Int
        /// A stable code for the JSON error body (`too-large`, `not-found`, …).
        public var code: String
        public var message: String
        /// The `Allow` header for a 405.
        public var allow: String?
        /// Close the connection after responding (the rest of the body is not read).
        public var close: Bool
    }

    public enum Action: Sendable, Equatable {
        /// Nothing to do yet.
        case none
        /// The head is acceptable: ask the admission policy (rate limits, memory), then
        /// buffer the body if admitted.
        case admit(HTTPRoute, declaredLength: Int?)
        /// Keep these body bytes.
        case keep
        /// Respond without running the application.
        case refuse(Refusal)
        /// The whole request is in: run the application.
        case dispatch(HTTPRoute)
    }

    enum State: Sendable, Equatable {
        case idle
        case receiving(HTTPRoute, received: Int)
        /// A refusal was (or is being) sent; the rest of this request is discarded.
        case discarding(closeAtEnd: Bool)
        case processing
        case closed
    }

    public let bodyLimit: Int
    private(set) var state: State = .idle

    public init(bodyLimit: Int) { self.bodyLimit = bodyLimit }

    public mutating func head(_ head: Head) -> Action {
        guard state == .idle else {
            // Pipelined requests are serialised by the handler; anything else is a protocol error.
            state = .closed
            return .refuse(Refusal(status: 400, code: "bad-request", message: "unexpected request", allow: nil, close: true))
        }
        switch HTTPRoute.resolve(method: head.method, target: head.target) {
        case .notFound:
            return refuse(head, status: 404, code: "not-found", message: "no such resource")
        case .methodNotAllowed(let allow):
            return refuse(head, status: 405, code: "method-not-allowed", message: "use \(allow)", allow: allow)
        case .route(let route):
            if route == .submit {
                if let length = head.contentLength, length > bodyLimit {
                    return refuse(head, status: 413, code: ReasonCode.tooLarge.rawValue,
                                  message: "\(length) bytes is over the limit of \(bodyLimit)")
                }
                if !head.hasBody && head.contentLength == nil {
                    return refuse(head, status: 411, code: "length-required", message: "send Content-Length or a chunked body")
                }
            }
            state = .receiving(route, received: 0)
            return .admit(route, declaredLength: route == .submit ? head.contentLength : 0)
        }
    }

    /// The admission policy refused the request (429, 503): respond and discard its body.
    public mutating func refusedAdmission(_ head: Head, status: Int, code: String, message: String) -> Action {
        refuse(head, status: status, code: code, message: message)
    }

    public mutating func body(count: Int) -> Action {
        switch state {
        case .receiving(let route, let received):
            let total = received + count
            if route != .submit {
                // Bodies of GET requests are read and ignored.
                state = .receiving(route, received: total)
                return .none
            }
            guard total <= bodyLimit else {
                state = .discarding(closeAtEnd: true)
                return .refuse(Refusal(status: 413, code: ReasonCode.tooLarge.rawValue,
                                       message: "the body is over the limit of \(bodyLimit) bytes", allow: nil, close: true))
            }
            state = .receiving(route, received: total)
            return .keep
        default:
            return .none
        }
    }

    /// The chunked body being received declared (in a chunk-size line) `declared` bytes, more
    /// than the limit: refuse it now and close.
    public mutating func declaredOverLimit(_ declared: UInt64) -> Action {
        guard case .receiving(let route, _) = state, route == .submit else { return .none }
        state = .discarding(closeAtEnd: true)
        return .refuse(Refusal(status: 413, code: ReasonCode.tooLarge.rawValue,
                               message: "the body declares \(declared) bytes, over the limit of \(bodyLimit)", allow: nil, close: true))
    }

    public mutating func end() -> Action {
        switch state {
        case .receiving(let route, _):
            state = .processing
            return .dispatch(route)
        case .discarding(let close):
            state = close ? .closed : .idle
            return .none
        default:
            return .none
        }
    }

    /// The response to the dispatched request was written; the connection may take another.
    public mutating func responded() {
        if state == .processing { state = .idle }
    }

    /// Whether a request is partly received (for the request timeout: a client that stops
    /// mid-request gets 408; an idle keep-alive connection is closed quietly).
    public var isMidRequest: Bool {
        if case .receiving = state { return true }
        return false
    }

    public var isProcessing: Bool { state == .processing }

    private mutating func refuse(_ head: Head, status: Int, code: String, message: String, allow: String? = nil) -> Action {
        // With a body still to come, answer now and close rather than read what we refused.
        state = head.hasBody ? .closed : .discarding(closeAtEnd: false)
        return .refuse(Refusal(status: status, code: code, message: message, allow: allow, close: head.hasBody))
    }
}
