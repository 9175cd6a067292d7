public import IntakeCore

/// A response: status, extra headers, and a body with its media type.
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, contentType: String, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: HTTPReply, rhs: HTTPReply) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }

    /// Canonical JSON (sorted keys, no insignificant whitespace) and a newline.
    public static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> HTTPReply {
        HTTPReply(status: status, contentType: "application/json", headers: headers, body: CanonicalJSON.encode(value) + [0x0A])
    }

    /// `{"error": CODE, "message": TEXT}`: every error the socket gives.
    public static func error(_ status: Int, _ code: String, _ message: String, headers: [(String, String)] = []) -> HTTPReply {
        json(status, .object(["error": .string(code), "message": .string(message)]), headers: headers)
    }

    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPReply {
        HTTPReply(status: status, contentType: contentType, body: Array(text.utf8))
    }

    /// The reason phrase for the statuses the socket uses.
    public static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
