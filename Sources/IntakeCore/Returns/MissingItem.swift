/// What keeps a valid return from being complete: a stable code with no content.
///
/// The codes go into logs, ledger events, receipts and the readiness board, so they name
/// a part of the format and, for attachments, an index — never a value or a name.
///
/// | code | missing when |
/// |---|---|
/// | `sign-off` | `signOff` name, role or date absent or blank |
/// | `involvement-status` | `involvement.status` absent |
/// | `involvement-summary` | status `involved` and `involvement.summary` absent or blank |
/// | `chronology` | status `involved` and no chronology entry |
/// | `records-secured` | `recordsSecured.secured` not `true`, or `securedOn` absent |
/// | `attachment-hash-mismatch:<index>` | attachment `<index>`'s data does not hash to its `sha256` |
public enum MissingItem: Sendable, Hashable, CustomStringConvertible {
    case signOff
    case involvementStatus
    case involvementSummary
    case chronology
    case recordsSecured
    /// The zero-based index of the attachment in `attachments`.
    case attachmentHashMismatch(index: Int)

    public var code: String {
        switch self {
        case .signOff: "sign-off"
        case .involvementStatus: "involvement-status"
        case .involvementSummary: "involvement-summary"
        case .chronology: "chronology"
        case .recordsSecured: "records-secured"
        case .attachmentHashMismatch(let index): "attachment-hash-mismatch:\(index)"
        }
    }

    /// Parses a code back (e.g. from a ledger event); nil for anything else.
    public init?(code: String) {
        switch code {
        case "sign-off": self = .signOff
        case "involvement-status": self = .involvementStatus
        case "involvement-summary": self = .involvementSummary
        case "chronology": self = .chronology
        case "records-secured": self = .recordsSecured
        default:
            let prefix = "attachment-hash-mismatch:"
            guard code.hasPrefix(prefix) else { return nil }
            let digits = code.dropFirst(prefix.count)
            guard let index = Int(digits), index >= 0, String(index) == digits else { return nil }
            self = .attachmentHashMismatch(index: index)
        }
    }

    public var description: String { code }
}
