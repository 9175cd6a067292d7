/// The intake socket's API (DESIGN §6; docs/openapi.json): what a request line asks for.
public enum HTTPRoute: Sendable, Equatable {
    /// `POST /v1/submissions`: the body is an envelope.
    case submit
    /// `GET /v1/cases/REF`: the case's readiness JSON (`intake status REF --json`).
    case caseStatus(String)
    /// `GET /healthz`.
    case health
    /// `GET /metrics`: Prometheus text.
    case metrics

    /// What a method and request target resolve to: a route, or the status to refuse with.
    public enum Resolution: Sendable, Equatable {
        case route(HTTPRoute)
        case notFound
        case methodNotAllowed(allow: String)
    }

    /// Resolves `method` and `target` (the query string, if any, is ignored). Case refs are
    /// matched exactly as `ScopingReturn.isCaseRef` allows; percent-encoding is not decoded.
    public static func resolve(method: String, target: String) -> Resolution {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let get = method == "GET" || method == "HEAD"
        switch path {
        case "/v1/submissions": return method == "POST" ? .route(.submit) : .methodNotAllowed(allow: "POST")
        case "/healthz": return get ? .route(.health) : .methodNotAllowed(allow: "GET, HEAD")
        case "/metrics": return get ? .route(.metrics) : .methodNotAllowed(allow: "GET, HEAD")
        default:
            let prefix = "/v1/cases/"
            guard path.hasPrefix(prefix) else { return .notFound }
            let ref = String(path.dropFirst(prefix.count))
            guard !ref.isEmpty, !ref.contains("/") else { return .notFound }
            return get ? .route(.caseStatus(ref)) : .methodNotAllowed(allow: "GET, HEAD")
        }
    }
}
