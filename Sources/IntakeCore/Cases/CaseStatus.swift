/// Where a case stands against the Rapid Review clock (DESIGN §2, §4): its state, its
/// deadlines and each expected agency's return. Computed from a `CaseRecord`, the working
/// calendar and "today" (passed in: `INTAKE_TODAY` or the London date of now).
public struct CaseStatus: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case awaitingReturns = "awaiting-returns", ready, packReleased = "pack-released",
             meetingHeld = "meeting-held", panelNotified = "panel-notified"
    }

    public enum AgencyState: String, Sendable {
        case awaiting, complete, incomplete
    }

    public struct Agency: Sendable, Equatable {
        public var agencyId: String
        public var state: AgencyState
        public var overdue: Bool
        public var latest: ReturnRecord?
    }

    public var caseRef: String
    public var referred: LocalDate
    public var state: State
    public var ready: Bool
    public var deadlines: Deadlines
    public var agencies: [Agency]
    public var today: LocalDate
    public var meeting: (held: LocalDate, decision: String)?
    public var panelNotified: LocalDate?
    /// Released meeting packs, oldest first (the last is current; earlier ones are superseded).
    public var packs: [PackRecord]
    /// The expected agencies a scoping request has been issued to.
    public var requested: Set<String>
    /// The requests milestone is met: every expected agency has been sent its request.
    public var requestsSent: Bool { !agencies.isEmpty && agencies.allSatisfy { requested.contains($0.agencyId) } }

    public static func == (lhs: CaseStatus, rhs: CaseStatus) -> Bool {
        lhs.json == rhs.json
    }

    /// How many expected agencies have a complete latest return.
    public var completeCount: Int { agencies.filter { $0.state == .complete }.count }

    /// `packReleased` defaults to whether the record holds a released pack.
    public init(record: CaseRecord, timescales: Settings.Timescales, calendar: WorkingCalendar, today: LocalDate,
                packReleased: Bool? = nil) {
        let packReleased = packReleased ?? !record.packs.isEmpty
        caseRef = record.ref
        referred = record.referred
        self.today = today
        meeting = record.meeting
        panelNotified = record.panelNotified
        packs = record.packs
        requested = Set(record.requested.keys).intersection(record.agencies)
        deadlines = Deadlines.compute(referred: record.referred, timescales: timescales, calendar: calendar,
                                      meetingHeld: record.meeting?.held, overrides: record.overrides)
        let returnsDue = deadlines.returns
        agencies = record.agencies.map { id in
            let latest = record.latest[id]
            let state: AgencyState = switch latest?.completeness {
            case nil: .awaiting
            case .complete?: .complete
            case .incomplete?: .incomplete
            }
            return Agency(agencyId: id, state: state, overdue: state != .complete && today > returnsDue, latest: latest)
        }
        ready = !agencies.isEmpty && agencies.allSatisfy { $0.state == .complete }
        state = if record.panelNotified != nil { .panelNotified }
            else if record.meeting != nil { .meetingHeld }
            else if packReleased { .packReleased }
            else if ready { .ready }
            else { .awaitingReturns }
    }

    /// Working days from today to `milestone`'s deadline (negative once past).
    public func workingDaysLeft(_ milestone: Milestone, calendar: WorkingCalendar) -> Int {
        calendar.workingDays(from: today, to: deadlines[milestone])
    }

    /// The JSON of `intake status REF --json` and `GET /v1/cases/REF` (DESIGN §4).
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "caseRef": .string(caseRef),
            "referred": .string(referred.description),
            "state": .string(state.rawValue),
            "ready": .bool(ready),
            "today": .string(today.description),
            "returns": .object(["complete": .int(completeCount), "expected": .int(agencies.count)]),
            "requests": .object(["issued": .int(requested.count), "expected": .int(agencies.count)]),
            "deadlines": .object(Dictionary(uniqueKeysWithValues: Milestone.allCases.map {
                ($0.rawValue, JSONValue.string(deadlines[$0].description))
            })),
            "agencies": .array(agencies.map { agency in
                var entry: [String: JSONValue] = [
                    "agencyId": .string(agency.agencyId),
                    "status": .string(agency.state.rawValue),
                    "overdue": .bool(agency.overdue),
                    "receivedAt": agency.latest.map { .string($0.receivedAt.rfc3339(milliseconds: true)) } ?? .null,
                    "version": agency.latest.map { .int($0.version) } ?? .null,
                    "envelopeSha256": agency.latest.map { .string($0.envelopeSha256) } ?? .null,
                    "contentSha256": agency.latest.map { .string($0.contentSha256) } ?? .null,
                    "missing": .array((agency.latest?.completeness.codes ?? []).map { .string($0) }),
                ]
                entry["ledgerIndex"] = agency.latest.map { .int($0.ledgerIndex) } ?? .null
                return .object(entry)
            }),
        ]
        if let meeting {
            members["meeting"] = .object(["held": .string(meeting.held.description), "decision": .string(meeting.decision)])
        }
        if let panelNotified { members["panelNotified"] = .string(panelNotified.description) }
        if !packs.isEmpty {
            members["packs"] = .array(packs.map { pack in
                .object(["number": .int(pack.number), "sha256": .string(pack.sha256), "ledgerIndex": .int(pack.ledgerIndex),
                         "releasedAt": .string(pack.releasedAt.rfc3339(milliseconds: true)), "override": .bool(pack.isOverride),
                         "superseded": .bool(pack.number != packs.last?.number)])
            })
        }
        return .object(members)
    }
}
