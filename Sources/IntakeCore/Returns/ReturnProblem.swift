/// Why a document is not a valid `scoping-return/v1`: a stable code and the JSON Pointer
/// (RFC 6901) of the value concerned.
///
/// > A JSON Pointer is a Unicode string containing a sequence of zero or more reference
/// > tokens, each prefixed by a '/' (%x2F) character. (RFC 6901 §3)
///
/// Problems go into logs, quarantine records and HTTP errors, so they never carry content:
/// no value, and no member name the sender chose. Every pointer is built from the format's
/// own member names and array indices; an unknown member is reported at its parent object
/// (`unknown-member` at `/signOff`, never `/signOff/<name>`).
public struct ReturnProblem: Sendable, Hashable, CustomStringConvertible {
    /// Stable problem codes (docs/scoping-return.md lists them).
    public enum Code: String, Sendable, CaseIterable {
        /// The JSON text could not be parsed.
        case notJSON = "not-json"
        /// `schema` is not `"scoping-return/v1"`.
        case wrongSchema = "wrong-schema"
        /// A value of the wrong JSON type (including `null` where a value is required).
        case wrongType = "wrong-type"
        /// A required member is absent.
        case missingMember = "missing-member"
        /// The object has a member the format does not define (reported at the object).
        case unknownMember = "unknown-member"
        /// `caseRef` does not match `^[A-Z]{2,5}-[0-9]{4}-[0-9]{1,6}$`.
        case badCaseRef = "bad-case-ref"
        /// `agencyId` does not match `^[a-z0-9][a-z0-9-]{0,62}$`.
        case badAgencyId = "bad-agency-id"
        /// Not a real calendar date `YYYY-MM-DD` with a year in 1900...9999.
        case badDate = "bad-date"
        /// A string outside the member's set of allowed values.
        case badValue = "bad-value"
        /// Text longer than its limit.
        case tooLong = "too-long"
        /// Text that must not be empty is empty.
        case empty = "empty"
        /// An array with more items than its limit.
        case tooMany = "too-many"
        /// A control character where none is allowed.
        case controlCharacter = "control-character"
        /// An attachment name that is not a plain, safe file name.
        case unsafeName = "unsafe-name"
        /// An attachment media type that is not `type/subtype`.
        case badMediaType = "bad-media-type"
        /// An attachment `sha256` that is not 64 lowercase hex digits.
        case badSHA256 = "bad-sha256"
        /// Attachment data that is not canonical base64.
        case badBase64 = "bad-base64"
    }

    public var code: Code
    /// A JSON Pointer, `""` for the whole document.
    public var path: String

    public init(_ code: Code, at path: String) {
        self.code = code
        self.path = path
    }

    /// `code at path`, e.g. `bad-date at /chronology/3/date`; `(root)` for the whole document.
    public var description: String {
        "\(code.rawValue) at \(path.isEmpty ? "(root)" : path)"
    }
}
