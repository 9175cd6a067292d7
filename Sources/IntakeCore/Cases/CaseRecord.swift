/// A case as the ledger holds it: what `intake status` and `GET /v1/cases/REF` report on.
public struct CaseRecord: Sendable, Equatable {
    public var ref: String
    public var referred: LocalDate
    /// Per-case deadline overrides.
    public var overrides: [Milestone: LocalDate]
    /// Expected agencies, in the order they were named.
    public var agencies: [String]
    /// The latest accepted version from each agency that has sent one.
    public var latest: [String: ReturnRecord]
    public var meeting: (held: LocalDate, decision: String)?
    public var panelNotified: LocalDate?
    /// Released meeting packs, oldest first.
    public var packs: [PackRecord]
    /// When a scoping request was first issued to each agency (`intake case requests`).
    public var requested: [String: UTCInstant] = [:]

    public init(ref: String, referred: LocalDate, overrides: [Milestone: LocalDate] = [:], agencies: [String],
                latest: [String: ReturnRecord] = [:], meeting: (held: LocalDate, decision: String)? = nil,
                panelNotified: LocalDate? = nil, packs: [PackRecord] = []) {
        self.packs = packs
        self.ref = ref
        self.referred = referred
        self.overrides = overrides
        self.agencies = agencies
        self.latest = latest
        self.meeting = meeting
        self.panelNotified = panelNotified
    }

    public static func == (lhs: CaseRecord, rhs: CaseRecord) -> Bool {
        lhs.ref == rhs.ref && lhs.referred == rhs.referred && lhs.overrides == rhs.overrides
            && lhs.agencies == rhs.agencies && lhs.latest == rhs.latest && lhs.meeting?.held == rhs.meeting?.held
            && lhs.meeting?.decision == rhs.meeting?.decision && lhs.panelNotified == rhs.panelNotified && lhs.packs == rhs.packs
            && lhs.requested == rhs.requested
    }

    /// A case is closed once the Panel has been notified: nothing more is accepted for it.
    public var isClosed: Bool { panelNotified != nil }
}

/// One accepted version of an agency's return.
public struct ReturnRecord: Sendable, Equatable {
    public var version: Int
    public var envelopeSha256: String
    public var contentSha256: String
    public var receivedAt: UTCInstant
    public var completeness: Completeness
    public var ledgerIndex: Int

    public init(version: Int, envelopeSha256: String, contentSha256: String, receivedAt: UTCInstant,
                completeness: Completeness, ledgerIndex: Int) {
        self.version = version
        self.envelopeSha256 = envelopeSha256
        self.contentSha256 = contentSha256
        self.receivedAt = receivedAt
        self.completeness = completeness
        self.ledgerIndex = ledgerIndex
    }
}
