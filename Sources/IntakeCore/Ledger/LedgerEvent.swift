/// One event of the ledger's Merkle log (DESIGN §3, docs/ledger.md).
///
/// The leaf is the event's canonical JSON (`CanonicalJSON`: keys sorted, no insignificant
/// whitespace, UTF-8); the leaf hash is SHA-256(0x00 || entry) (RFC 9162 §2.1.1). Events carry
/// references, agency ids, hashes, sizes, times and reason codes: never content, never names.
public struct LedgerEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case agencyRegistered = "agency-registered"
        case agencyCertificateAdded = "agency-certificate-added"
        case caseOpened = "case-opened"
        case agencyExpected = "agency-expected"
        case submissionAccepted = "submission-accepted"
        case submissionRejected = "submission-rejected"
        case submissionDuplicate = "submission-duplicate"
        case returnSuperseded = "return-superseded"
        case meetingRecorded = "meeting-recorded"
        case panelNotified = "panel-notified"
        /// A milestone's due date changed after the case was opened (`intake case set-due`).
        case dueDateSet = "due-date-set"
        /// The deadline sweeper's alerts, raised once each per due date.
        case returnOverdue = "return-overdue"
        case meetingDueSoon = "meeting-due-soon"
        case panelDueSoon = "panel-due-soon"
        /// The meeting or Panel deadline passed without the meeting or the notification.
        case meetingOverdue = "meeting-overdue"
        case panelOverdue = "panel-overdue"
        /// A meeting pack was released (`packs/REF/pack-N.p7m`).
        case packReleased = "pack-released"
        /// Signed scoping requests were issued to an agency (`intake case requests`).
        case scopingRequested = "scoping-requested"
        /// A newer bank-holiday calendar was imported (`intake calendar import`).
        case calendarImported = "calendar-imported"
    }

    public var kind: Kind
    /// When it was recorded (UTC).
    public var at: UTCInstant
    /// Event-specific members (all but `kind` and `at`).
    public var fields: [String: JSONValue]

    public init(_ kind: Kind, at: UTCInstant, _ fields: [String: JSONValue]) {
        self.kind = kind
        self.at = at
        self.fields = fields
    }

    /// The canonical JSON object of the event.
    public var json: JSONValue {
        var members = fields
        members["kind"] = .string(kind.rawValue)
        members["at"] = .string(at.rfc3339(milliseconds: true))
        return .object(members)
    }

    /// The leaf bytes: the event's canonical JSON.
    public var entry: [UInt8] { CanonicalJSON.encode(json) }

    /// Reads an event back from its leaf bytes.
    public static func parse(entry: [UInt8]) -> LedgerEvent? {
        guard let json = try? JSONParser.parse(entry) else { return nil }
        return parse(json: json)
    }

    /// Reads an event back from its parsed JSON.
    public static func parse(json: JSONValue) -> LedgerEvent? {
        guard case .object(var members) = json,
              let kind = members.removeValue(forKey: "kind")?.stringValue.flatMap(Kind.init(rawValue:)),
              let at = members.removeValue(forKey: "at")?.stringValue.flatMap(UTCInstant.init(rfc3339:))
        else { return nil }
        return LedgerEvent(kind, at: at, members)
    }

    public subscript(key: String) -> JSONValue? { fields[key] }
}

extension LedgerEvent {
    public static func agencyRegistered(id: String, name: String, certificateSha256: String, at: UTCInstant) -> LedgerEvent {
        LedgerEvent(.agencyRegistered, at: at, ["agencyId": .string(id), "agencyName": .string(name),
                                                 "certificateSha256": .string(certificateSha256)])
    }

    public static func agencyCertificateAdded(id: String, certificateSha256: String, at: UTCInstant) -> LedgerEvent {
        LedgerEvent(.agencyCertificateAdded, at: at, ["agencyId": .string(id), "certificateSha256": .string(certificateSha256)])
    }

    public static func caseOpened(ref: String, referred: LocalDate, overrides: [Milestone: LocalDate], at: UTCInstant) -> LedgerEvent {
        var fields: [String: JSONValue] = ["caseRef": .string(ref), "referred": .string(referred.description)]
        if !overrides.isEmpty {
            fields["due"] = .object(Dictionary(uniqueKeysWithValues: overrides.map { ($0.key.rawValue, .string($0.value.description)) }))
        }
        return LedgerEvent(.caseOpened, at: at, fields)
    }

    public static func agencyExpected(caseRef: String, agencyId: String, at: UTCInstant) -> LedgerEvent {
        LedgerEvent(.agencyExpected, at: at, ["caseRef": .string(caseRef), "agencyId": .string(agencyId)])
    }

    public static func meetingRecorded(caseRef: String, held: LocalDate, decision: String, at: UTCInstant) -> LedgerEvent {
        LedgerEvent(.meetingRecorded, at: at, ["caseRef": .string(caseRef), "held": .string(held.description),
                                                "decision": .string(decision)])
    }

    public static func panelNotified(caseRef: String, on date: LocalDate, at: UTCInstant) -> LedgerEvent {
        LedgerEvent(.panelNotified, at: at, ["caseRef": .string(caseRef), "on": .string(date.description)])
    }

    public static func dueDateSet(caseRef: String, milestone: Milestone, due: LocalDate, at: UTCInstant) -> LedgerEvent {
        LedgerEvent(.dueDateSet, at: at, ["caseRef": .string(caseRef), "milestone": .string(milestone.rawValue),
                                           "due": .string(due.description)])
    }

    public static func alert(_ alert: DeadlineAlert, at: UTCInstant) -> LedgerEvent {
        var fields: [String: JSONValue] = ["caseRef": .string(alert.caseRef), "due": .string(alert.due.description)]
        if let agency = alert.agencyId { fields["agencyId"] = .string(agency) }
        return LedgerEvent(alert.kind.eventKind, at: at, fields)
    }

    public static func scopingRequested(caseRef: String, agencyId: String, due: LocalDate, requestSha256: String, at: UTCInstant) -> LedgerEvent {
        LedgerEvent(.scopingRequested, at: at, ["caseRef": .string(caseRef), "agencyId": .string(agencyId),
                                                 "due": .string(due.description), "requestSha256": .string(requestSha256)])
    }

    public static func calendarImported(sha256: String, division: String, first: LocalDate, last: LocalDate, at: UTCInstant) -> LedgerEvent {
        LedgerEvent(.calendarImported, at: at, ["sha256": .string(sha256), "division": .string(division),
                                                 "first": .string(first.description), "last": .string(last.description)])
    }
}
