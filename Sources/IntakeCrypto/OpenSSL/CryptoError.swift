import COpenSSL

/// A failure in the crypto shell, with a stable `code` and OpenSSL's reason strings.
///
/// The `detail` carries OpenSSL's own error-queue text (library and reason), which names
/// algorithms and structures, never content.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let detail: String

    public init(code: String, detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// Takes (and clears) OpenSSL's thread-local error queue.
    static func openssl(_ code: String) -> CryptoError {
        CryptoError(code: code, detail: OpenSSLErrors.drain())
    }

    public var description: String { detail.isEmpty ? code : "\(code): \(detail)" }
}

enum OpenSSLErrors {
    /// Empties the thread's error queue and returns its entries' reason strings.
    static func drain() -> String {
        var parts: [String] = []
        while true {
            let error = ERR_get_error()
            if error == 0 { break }
            if parts.count < 4, let reason = ERR_reason_error_string(error) {
                parts.append(String(cString: reason))
            }
        }
        return parts.joined(separator: "; ")
    }

    /// Clears the queue before an operation whose failure will be inspected.
    static func clear() { ERR_clear_error() }
}
