import Foundation
import Testing
@testable import IntakeCore

// MARK: - Shared fixtures

/// Monday 2 March 2026 (no bank holiday in March 2026 in England and Wales).
private let referred = LocalDate(year: 2026, month: 3, day: 2)!
private let domainCaseRef = "RR-2026-014"
private let embeddedCalendar = WorkingCalendar(holidays: .embedded())

/// 09:00:00.250 UTC on the referral day plus `seconds` (whole milliseconds, so that it
/// round-trips through RFC 3339 text).
private func at(_ seconds: Int = 0) -> UTCInstant {
    UTCInstant(secondsSinceEpoch: Int64(referred.daysSinceEpoch * 86_400 + 9 * 3600 + seconds), nanoseconds: 250_000_000)
}

private func hex(_ label: String) -> String { Hex.encode(SHA256.hash(Array(label.utf8))) }

/// Text that only ever appears inside the return: it must never reach a ledger event.
private let secretTexts = ["Alex Example", "Sam Specimen", "Child A", "Sensitive learning text", "Designated Safeguarding Lead"]

private func returnDocument(caseRef: String = domainCaseRef, agencyId: String = "police", complete: Bool = true) -> ScopingReturn {
    var members = [
        #""schema": "scoping-return/v1""#,
        #""caseRef": "\#(caseRef)""#,
        #""agencyId": "\#(agencyId)""#,
        #""author": {"name": "Alex Example", "role": "Designated Safeguarding Lead"}"#,
        #""involvement": {"status": "involved", "summary": "Child A was known to the service.", "from": "2025-09-01"}"#,
        #""chronology": [{"date": "2025-09-01", "event": "Child A seen at home."}]"#,
        #""learning": "Sensitive learning text""#,
    ]
    if complete {
        members.append(#""signOff": {"name": "Sam Specimen", "role": "Head of Service", "date": "2026-03-05"}"#)
        members.append(#""recordsSecured": {"secured": true, "securedOn": "2026-03-04"}"#)
    }
    let verdict = ScopingReturn.validate(bytes: Array(("{" + members.joined(separator: ",") + "}").utf8))
    guard let document = verdict.scopingReturn else { preconditionFailure("test return is invalid: \(verdict.problems)") }
    return document
}

private func openedReturn(_ document: ScopingReturn?, signer: String?, content: String = "v1") -> OpenedReturn {
    let verdict: ReturnVerdict = document.map { .valid($0, $0.completeness) }
        ?? .invalid([ReturnProblem(.missingMember, at: "/agencyId")])
    return OpenedReturn(contentSha256: hex("content:" + content), signerSha256: hex("signer:" + (signer ?? "none")),
                        signerAgency: signer, verdict: verdict)
}

private func snapshot(ref: String = domainCaseRef, closed: Bool = false, expected: Set<String> = ["police", "health"],
                      latest: CaseSnapshot.LatestReturn? = nil) -> CaseSnapshot {
    CaseSnapshot(ref: ref, closed: closed, expectedAgencies: expected, latest: latest)
}

private let submissionFacts = SubmissionFacts(channel: "drop", envelopeSha256: hex("envelope"), size: 4096, receivedAt: at(1))

// MARK: - SubmissionPolicy.decide

@Suite struct SubmissionPolicyDecisionTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var opened: OpenedReturn
        var snapshot: CaseSnapshot?
        var expected: Expected
        var testDescription: String { name }
    }

    enum Expected: Sendable, Equatable {
        case reject(ReasonCode)
        case accept(version: Int, supersedes: Int?)
        case duplicate(version: Int, ledgerIndex: Int)
    }

    static let latestV3 = CaseSnapshot.LatestReturn(version: 3, contentSha256: hex("content:v1"), ledgerIndex: 42)

    static let rows: [Row] = [
        // unknown-signer comes first, whatever else is wrong.
        Row(name: "no signer agency, invalid return, no case", opened: openedReturn(nil, signer: nil), snapshot: nil,
            expected: .reject(.unknownSigner)),
        Row(name: "no signer agency, valid return, open case", opened: openedReturn(returnDocument(), signer: nil),
            snapshot: snapshot(), expected: .reject(.unknownSigner)),
        // invalid-return before wrong-agency and the case checks.
        Row(name: "invalid return, no case", opened: openedReturn(nil, signer: "police"), snapshot: nil,
            expected: .reject(.invalidReturn)),
        Row(name: "invalid return, open case", opened: openedReturn(nil, signer: "police"), snapshot: snapshot(),
            expected: .reject(.invalidReturn)),
        // wrong-agency before unknown-case.
        Row(name: "return names another agency, no case", opened: openedReturn(returnDocument(agencyId: "health"), signer: "police"),
            snapshot: nil, expected: .reject(.wrongAgency)),
        Row(name: "return names another agency, closed case",
            opened: openedReturn(returnDocument(agencyId: "health"), signer: "police"), snapshot: snapshot(closed: true),
            expected: .reject(.wrongAgency)),
        // unknown-case: no snapshot, or a snapshot of another case.
        Row(name: "no such case", opened: openedReturn(returnDocument(), signer: "police"), snapshot: nil,
            expected: .reject(.unknownCase)),
        Row(name: "snapshot of another case", opened: openedReturn(returnDocument(), signer: "police"),
            snapshot: snapshot(ref: "RR-2026-015"), expected: .reject(.unknownCase)),
        Row(name: "another case, closed", opened: openedReturn(returnDocument(), signer: "police"),
            snapshot: snapshot(ref: "RR-2026-015", closed: true), expected: .reject(.unknownCase)),
        // case-closed before agency-not-expected and duplicate.
        Row(name: "closed case", opened: openedReturn(returnDocument(), signer: "police"), snapshot: snapshot(closed: true),
            expected: .reject(.caseClosed)),
        Row(name: "closed case, agency not expected", opened: openedReturn(returnDocument(agencyId: "school"), signer: "school"),
            snapshot: snapshot(closed: true), expected: .reject(.caseClosed)),
        Row(name: "closed case, same content", opened: openedReturn(returnDocument(), signer: "police"),
            snapshot: snapshot(closed: true, latest: latestV3), expected: .reject(.caseClosed)),
        // agency-not-expected before duplicate.
        Row(name: "agency not expected", opened: openedReturn(returnDocument(agencyId: "school"), signer: "school"),
            snapshot: snapshot(), expected: .reject(.agencyNotExpected)),
        Row(name: "agency not expected, same content", opened: openedReturn(returnDocument(agencyId: "school"), signer: "school"),
            snapshot: snapshot(latest: latestV3), expected: .reject(.agencyNotExpected)),
        // Accepted: first version, duplicate, new version.
        Row(name: "first version", opened: openedReturn(returnDocument(), signer: "police"), snapshot: snapshot(),
            expected: .accept(version: 1, supersedes: nil)),
        Row(name: "first version, incomplete", opened: openedReturn(returnDocument(complete: false), signer: "police"),
            snapshot: snapshot(), expected: .accept(version: 1, supersedes: nil)),
        Row(name: "same content as the latest", opened: openedReturn(returnDocument(), signer: "police", content: "v1"),
            snapshot: snapshot(latest: latestV3), expected: .duplicate(version: 3, ledgerIndex: 42)),
        Row(name: "new content", opened: openedReturn(returnDocument(), signer: "police", content: "v4"),
            snapshot: snapshot(latest: latestV3), expected: .accept(version: 4, supersedes: 3)),
    ]

    @Test(arguments: rows)
    func decides(_ row: Row) {
        let decision = SubmissionPolicy.decide(row.opened, case: row.snapshot)
        switch (decision, row.expected) {
        case (.reject(let reason, let message), .reject(let expected)):
            #expect(reason == expected)
            #expect(!message.isEmpty)
            #expect(decision.disposition == .quarantine(reason, message))
        case (.accept(let version, let supersedes, let completeness), .accept(let expectedVersion, let expectedSupersedes)):
            #expect(version == expectedVersion)
            #expect(supersedes == expectedSupersedes)
            #expect(completeness == row.opened.verdict.completeness)
            #expect(decision.disposition == .store)
        case (.duplicate(let latest), .duplicate(let version, let index)):
            #expect(latest.version == version && latest.ledgerIndex == index)
            #expect(latest.contentSha256 == row.opened.contentSha256)
            #expect(decision.disposition == .store)
        default:
            Issue.record("decided \(decision), expected \(row.expected)")
        }
    }

    /// Fixing each problem in turn walks through the checks in the documented order.
    @Test func checksInTheDocumentedOrder() {
        var steps: [(OpenedReturn, CaseSnapshot?)] = []
        let wrongAgency = returnDocument(agencyId: "school")
        steps.append((openedReturn(nil, signer: nil), snapshot(ref: "RR-2026-099", closed: true, expected: [])))
        steps.append((openedReturn(nil, signer: "police"), snapshot(ref: "RR-2026-099", closed: true, expected: [])))
        steps.append((openedReturn(wrongAgency, signer: "police"), snapshot(ref: "RR-2026-099", closed: true, expected: [])))
        steps.append((openedReturn(returnDocument(), signer: "police"), snapshot(ref: "RR-2026-099", closed: true, expected: [])))
        steps.append((openedReturn(returnDocument(), signer: "police"), snapshot(closed: true, expected: [])))
        steps.append((openedReturn(returnDocument(), signer: "police"), snapshot(expected: [])))
        let reasons = steps.map { step -> ReasonCode? in
            if case .reject(let reason, _) = SubmissionPolicy.decide(step.0, case: step.1) { return reason }
            return nil
        }
        #expect(reasons == [.unknownSigner, .invalidReturn, .wrongAgency, .unknownCase, .caseClosed, .agencyNotExpected])
    }

    @Test func invalidReturnMessageNamesAtMostFiveProblems() {
        let problems = (0..<7).map { ReturnProblem(.badDate, at: "/chronology/\($0)/date") }
        let input = OpenedReturn(contentSha256: hex("c"), signerSha256: hex("s"), signerAgency: "police", verdict: .invalid(problems))
        guard case .reject(.invalidReturn, let message) = SubmissionPolicy.decide(input, case: nil) else {
            Issue.record("not invalid-return")
            return
        }
        #expect(message.contains("bad-date at /chronology/4/date"))
        #expect(!message.contains("/chronology/5/"))
    }

    /// Issue 12, item 5: re-posting any version the agency already had accepted is a
    /// duplicate of that version, never a new one (no rollback to an earlier return).
    @Test func anEarlierVersionReSentIsADuplicateOfThatVersion() {
        let v1 = CaseSnapshot.LatestReturn(version: 1, contentSha256: hex("content:v1"), ledgerIndex: 7)
        let v2 = CaseSnapshot.LatestReturn(version: 2, contentSha256: hex("content:v2"), ledgerIndex: 9)
        var state = snapshot(latest: v2)
        state.sameContent = v1
        #expect(SubmissionPolicy.decide(openedReturn(returnDocument(), signer: "police", content: "v1"), case: state) == .duplicate(of: v1))
        state.sameContent = nil
        #expect(SubmissionPolicy.decide(openedReturn(returnDocument(), signer: "police", content: "v2"), case: state) == .duplicate(of: v2))
        guard case .accept(3, 2, _) = SubmissionPolicy.decide(openedReturn(returnDocument(), signer: "police", content: "v3"), case: state) else {
            Issue.record("a new content is version 3")
            return
        }
    }

    /// Issue 12, item 5: a new version's signing time is after the latest version's, not in
    /// the future (beyond the skew) and not before its certificate's notBefore.
    @Test func signingTimesThatCannotBeANewVersionAreRefused() {
        let v1 = CaseSnapshot.LatestReturn(version: 1, contentSha256: hex("content:v1"), ledgerIndex: 7)
        var state = snapshot(latest: v1)
        state.latestSigningTime = 1_000_000
        func decide(signed: Int64?, notBefore: Int64 = 0, received: Int64 = 2_000_000) -> SubmissionDecision {
            var opened = openedReturn(returnDocument(), signer: "police", content: "v2")
            opened.signingTime = signed
            opened.signerNotBefore = notBefore
            return SubmissionPolicy.decide(opened, case: state, receivedAt: received)
        }
        func rejected(_ decision: SubmissionDecision, _ words: String) -> Bool {
            if case .reject(.invalidReturn, let message) = decision { return message.contains(words) }
            return false
        }
        #expect(rejected(decide(signed: 999_999), "before version 1"))
        #expect(rejected(decide(signed: 2_000_301), "in the future"))
        #expect(rejected(decide(signed: 1_500_000, notBefore: 1_600_000), "before the signing certificate was valid"))
        #expect(rejected(decide(signed: nil), "no signing time"))
        for ok in [decide(signed: 1_000_000), decide(signed: 2_000_300)] {
            guard case .accept(2, 1, _) = ok else { Issue.record("\(ok)"); continue }
        }
        state.latestSigningTime = nil
        guard case .accept(2, 1, _) = decide(signed: nil) else { Issue.record("no times at all: accepted"); return }
    }

    @Test func caseReferenceIsTheReturnsOwn() {
        #expect(SubmissionPolicy.caseReference(for: openedReturn(returnDocument(caseRef: "LSCP-2026-7"), signer: nil)) == "LSCP-2026-7")
        #expect(SubmissionPolicy.caseReference(for: openedReturn(nil, signer: "police")) == nil)
    }

    @Test func rejectionMessagesCarryNoReturnText() {
        for row in Self.rows {
            guard case .reject(_, let message) = SubmissionPolicy.decide(row.opened, case: row.snapshot) else { continue }
            for secret in secretTexts { #expect(!message.contains(secret), "\(row.name)") }
        }
    }
}

// MARK: - SubmissionPolicy.events and LedgerEvent

@Suite struct SubmissionEventTests {
    static let common: Set<String> = ["channel", "envelopeSha256", "size", "receivedAt"]
    static let opened: Set<String> = ["contentSha256", "signerSha256", "agencyId"]

    /// The top-level keys of a canonical JSON object, in the order they are written.
    private func writtenKeys(_ entry: [UInt8]) -> [String] {
        guard case .object(let members)? = try? JSONParser.parse(entry) else { return [] }
        let text = String(decoding: entry, as: UTF8.self)
        return members.keys.compactMap { key -> (String, String.Index)? in
            guard let range = text.range(of: "\"\(key)\":") else { return nil }
            return (key, range.lowerBound)
        }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    private func expectCanonical(_ event: LedgerEvent, sourceLocation: SourceLocation = #_sourceLocation) {
        let entry = event.entry
        let keys = writtenKeys(entry)
        #expect(keys == keys.sorted(), sourceLocation: sourceLocation)
        #expect(Set(keys) == Set(event.fields.keys).union(["kind", "at"]), sourceLocation: sourceLocation)
        // No insignificant white space (none of these events has a space inside a string).
        #expect(!entry.contains(where: { [0x20, 0x0a, 0x0d, 0x09].contains($0) }), sourceLocation: sourceLocation)
        #expect(entry.first == UInt8(ascii: "{") && entry.last == UInt8(ascii: "}"), sourceLocation: sourceLocation)
        #expect((try? JSONParser.parse(entry)).map(CanonicalJSON.encode) == entry, sourceLocation: sourceLocation)
        let text = String(decoding: entry, as: UTF8.self)
        for secret in secretTexts { #expect(!text.contains(secret), "\(secret)", sourceLocation: sourceLocation) }
        #expect(LedgerEvent.parse(entry: entry) == event, "round trip", sourceLocation: sourceLocation)
    }

    @Test func acceptedFirstVersion() throws {
        let document = returnDocument(complete: false)
        let input = openedReturn(document, signer: "police")
        let decision = SubmissionDecision.accept(version: 1, supersedes: nil, completeness: document.completeness)
        let events = SubmissionPolicy.events(for: decision, facts: submissionFacts, opened: input, at: at(2))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.kind == .submissionAccepted)
        #expect(event.at == at(2))
        #expect(Set(event.fields.keys) == Self.common.union(Self.opened).union(["caseRef", "version", "complete", "missing"]))
        #expect(event["envelopeSha256"] == .string(submissionFacts.envelopeSha256))
        #expect(event["contentSha256"] == .string(input.contentSha256))
        #expect(event["signerSha256"] == .string(input.signerSha256))
        #expect(event["agencyId"] == .string("police"))
        #expect(event["caseRef"] == .string(domainCaseRef))
        #expect(event["version"] == .int(1))
        #expect(event["complete"] == .bool(false))
        #expect(event["missing"] == .array([.string("sign-off"), .string("records-secured")]))
        #expect(event["size"] == .int(4096))
        #expect(event["receivedAt"] == .string("2026-03-02T09:00:01.250Z"))
        #expect(event["channel"] == .string("drop"))
        expectCanonical(event)
        // Known answer: the exact leaf bytes.
        let expected = #"{"agencyId":"police","at":"2026-03-02T09:00:02.250Z","caseRef":"RR-2026-014","channel":"drop","#
            + #""complete":false,"contentSha256":"\#(input.contentSha256)","envelopeSha256":"\#(submissionFacts.envelopeSha256)","#
            + #""kind":"submission-accepted","missing":["sign-off","records-secured"],"receivedAt":"2026-03-02T09:00:01.250Z","#
            + #""signerSha256":"\#(input.signerSha256)","size":4096,"version":1}"#
        #expect(String(decoding: event.entry, as: UTF8.self) == expected)
    }

    @Test func acceptedNewVersionAlsoSupersedes() throws {
        let document = returnDocument()
        let input = openedReturn(document, signer: "police", content: "v3")
        let events = SubmissionPolicy.events(for: .accept(version: 3, supersedes: 2, completeness: .complete),
                                             facts: submissionFacts, opened: input, at: at(2))
        #expect(events.map(\.kind) == [.submissionAccepted, .returnSuperseded])
        #expect(events[0]["version"] == .int(3))
        #expect(events[0]["complete"] == .bool(true))
        #expect(events[0]["missing"] == .array([]))
        #expect(events[1] == LedgerEvent(.returnSuperseded, at: at(2), [
            "caseRef": .string(domainCaseRef), "agencyId": .string("police"), "version": .int(2), "supersededBy": .int(3),
        ]))
        for event in events { expectCanonical(event) }
    }

    @Test func duplicate() throws {
        let input = openedReturn(returnDocument(), signer: "police")
        let latest = CaseSnapshot.LatestReturn(version: 2, contentSha256: input.contentSha256, ledgerIndex: 17)
        let events = SubmissionPolicy.events(for: .duplicate(of: latest), facts: submissionFacts, opened: input, at: at(2))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.kind == .submissionDuplicate)
        #expect(Set(event.fields.keys) == Self.common.union(Self.opened).union(["caseRef", "duplicateOf", "version"]))
        #expect(event["duplicateOf"] == .int(17))
        #expect(event["version"] == .int(2))
        expectCanonical(event)
    }

    @Test func rejectionWithAndWithoutAReadableReturn() throws {
        let withDocument = SubmissionPolicy.events(for: .reject(.caseClosed, "operator message"), facts: submissionFacts,
                                                   opened: openedReturn(returnDocument(), signer: "police"), at: at(2))
        #expect(withDocument.count == 1)
        #expect(Set(withDocument[0].fields.keys) == Self.common.union(Self.opened).union(["caseRef", "reason"]))
        #expect(withDocument[0]["reason"] == .string("case-closed"))
        #expect(withDocument[0].kind == .submissionRejected)
        expectCanonical(withDocument[0])

        let invalid = SubmissionPolicy.events(for: .reject(.invalidReturn, "x"), facts: submissionFacts,
                                              opened: openedReturn(nil, signer: "police"), at: at(2))
        #expect(Set(invalid[0].fields.keys) == Self.common.union(Self.opened).union(["reason"]))
        expectCanonical(invalid[0])

        let unknownSigner = SubmissionPolicy.events(for: .reject(.unknownSigner, "x"), facts: submissionFacts,
                                                    opened: openedReturn(returnDocument(), signer: nil), at: at(2))
        #expect(Set(unknownSigner[0].fields.keys) == Self.common.union(["contentSha256", "signerSha256", "caseRef", "reason"]))
        expectCanonical(unknownSigner[0])

        let unopened = SubmissionPolicy.events(for: .reject(.decryptFailed, "x"), facts: submissionFacts, opened: nil, at: at(2))
        #expect(unopened == [SubmissionPolicy.rejection(.decryptFailed, facts: submissionFacts, at: at(2))])
        #expect(Set(unopened[0].fields.keys) == Self.common.union(["reason"]))
        expectCanonical(unopened[0])
        // The policy's message is for the operator, not for the ledger.
        #expect(!String(decoding: withDocument[0].entry, as: UTF8.self).contains("operator message"))
    }

    @Test(arguments: ReasonCode.allCases)
    func cryptoShellRejection(reason: ReasonCode) {
        let event = SubmissionPolicy.rejection(reason, facts: submissionFacts, at: at(3))
        #expect(event.kind == .submissionRejected)
        #expect(event["reason"] == .string(reason.rawValue))
        #expect(Set(event.fields.keys) == Self.common.union(["reason"]))
        expectCanonical(event)
    }

    @Test func factoryEventsAreCanonicalAndRoundTrip() {
        let events: [LedgerEvent] = [
            .agencyRegistered(id: "police", name: "Example Police", certificateSha256: hex("cert"), at: at()),
            .agencyCertificateAdded(id: "police", certificateSha256: hex("cert2"), at: at(1)),
            .caseOpened(ref: domainCaseRef, referred: referred, overrides: [:], at: at(2)),
            .caseOpened(ref: domainCaseRef, referred: referred, overrides: [.returns: referred.adding(days: 9), .panel: referred.adding(days: 20)],
                        at: at(2)),
            .agencyExpected(caseRef: domainCaseRef, agencyId: "health", at: at(3)),
            .meetingRecorded(caseRef: domainCaseRef, held: referred.adding(days: 12), decision: "local-review", at: at(4)),
            .panelNotified(caseRef: domainCaseRef, on: referred.adding(days: 13), at: at(5)),
        ]
        for event in events {
            if event.kind == .agencyRegistered {
                #expect(LedgerEvent.parse(entry: event.entry) == event)  // the name has a space
            } else {
                expectCanonical(event)
            }
        }
        #expect(String(decoding: events[4].entry, as: UTF8.self)
                == #"{"agencyId":"health","at":"2026-03-02T09:00:03.250Z","caseRef":"RR-2026-014","kind":"agency-expected"}"#)
        #expect(events[3]["due"] == .object(["returns": .string("2026-03-11"), "panel": .string("2026-03-22")]))
        #expect(events[2]["due"] == nil)
    }

    @Test(arguments: [
        "", "null", "[]", #"{"kind":"case-opened"}"#, #"{"at":"2026-03-02T09:00:00.000Z"}"#,
        #"{"kind":"case-deleted","at":"2026-03-02T09:00:00.000Z"}"#, #"{"kind":"case-opened","at":"2026-03-02"}"#,
        #"{"kind":1,"at":"2026-03-02T09:00:00.000Z"}"#, #"{"kind":"case-opened","at":"2026-03-02T09:00:00.000Z"} x"#,
        #"{"kind":"case-opened","kind":"case-opened","at":"2026-03-02T09:00:00.000Z"}"#,
    ])
    func parseRefuses(entry: String) {
        #expect(LedgerEvent.parse(entry: Array(entry.utf8)) == nil)
    }

    @Test func parseKeepsEveryOtherMember() throws {
        let event = try #require(LedgerEvent.parse(entry: Array(#"{"at":"2026-03-02T09:00:00Z","kind":"panel-notified","x":[1,{"y":null}]}"#.utf8)))
        #expect(event.kind == .panelNotified)
        #expect(event.at == UTCInstant(date: referred, hour: 9))
        #expect(event.fields == ["x": .array([.int(1), .object(["y": .null])])])
        #expect(event["kind"] == nil && event["at"] == nil)
    }

    @Test func kindsAreTheDesignNames() {
        #expect(Set(LedgerEvent.Kind.allCases.map(\.rawValue)) == [
            "agency-registered", "agency-certificate-added", "case-opened", "agency-expected", "submission-accepted",
            "submission-rejected", "submission-duplicate", "return-superseded", "meeting-recorded", "panel-notified",
            "due-date-set", "return-overdue", "meeting-due-soon", "panel-due-soon", "meeting-overdue", "panel-overdue", "pack-released", "scoping-requested",
            "calendar-imported",
        ])
    }
}

// MARK: - CaseStatus

@Suite struct CaseStatusTests {
    static let timescales = Settings.Timescales()

    private func returnRecord(_ version: Int = 1, _ completeness: Completeness = .complete, index: Int = 7) -> ReturnRecord {
        ReturnRecord(version: version, envelopeSha256: hex("env\(version)"), contentSha256: hex("content\(version)"),
                     receivedAt: at(version), completeness: completeness, ledgerIndex: index)
    }

    private func status(_ record: CaseRecord, today: LocalDate = referred, packReleased: Bool = false) -> CaseStatus {
        CaseStatus(record: record, timescales: Self.timescales, calendar: embeddedCalendar, today: today, packReleased: packReleased)
    }

    @Test func deadlinesFromTheReferral() {
        let board = status(CaseRecord(ref: domainCaseRef, referred: referred, agencies: ["police"]))
        #expect(board.deadlines == Deadlines(requests: LocalDate(year: 2026, month: 3, day: 4)!,
                                             returns: LocalDate(year: 2026, month: 3, day: 12)!,
                                             meeting: LocalDate(year: 2026, month: 3, day: 19)!,
                                             panel: LocalDate(year: 2026, month: 3, day: 23)!))
        #expect(board.workingDaysLeft(.returns, calendar: embeddedCalendar) == 8)
        let late = status(CaseRecord(ref: domainCaseRef, referred: referred, agencies: ["police"]),
                          today: LocalDate(year: 2026, month: 3, day: 16)!)
        #expect(late.workingDaysLeft(.returns, calendar: embeddedCalendar) == -2)
    }

    @Test func meetingBringsThePanelForward() {
        let held = LocalDate(year: 2026, month: 3, day: 16)!
        let board = status(CaseRecord(ref: domainCaseRef, referred: referred, agencies: ["police"], meeting: (held, "no-review")))
        #expect(board.deadlines.panel == LocalDate(year: 2026, month: 3, day: 18)!)
        #expect(board.state == .meetingHeld)
    }

    struct StateRow: Sendable, CustomTestStringConvertible {
        var name: String
        var latest: [String: Completeness]
        var meeting = false
        var panel = false
        var packReleased = false
        var state: CaseStatus.State
        var ready: Bool
        var testDescription: String { name }
    }

    static let stateRows: [StateRow] = [
        StateRow(name: "nothing yet", latest: [:], state: .awaitingReturns, ready: false),
        StateRow(name: "one complete", latest: ["police": .complete], state: .awaitingReturns, ready: false),
        StateRow(name: "one incomplete", latest: ["police": .complete, "health": .incomplete([.signOff])],
                 state: .awaitingReturns, ready: false),
        StateRow(name: "all complete", latest: ["police": .complete, "health": .complete], state: .ready, ready: true),
        StateRow(name: "pack released", latest: ["police": .complete, "health": .complete], packReleased: true,
                 state: .packReleased, ready: true),
        StateRow(name: "pack released on override", latest: ["police": .complete], packReleased: true,
                 state: .packReleased, ready: false),
        StateRow(name: "meeting held", latest: ["police": .complete, "health": .complete], meeting: true, packReleased: true,
                 state: .meetingHeld, ready: true),
        StateRow(name: "meeting held without returns", latest: [:], meeting: true, state: .meetingHeld, ready: false),
        StateRow(name: "panel notified", latest: ["police": .complete], meeting: true, panel: true, packReleased: true,
                 state: .panelNotified, ready: false),
        StateRow(name: "panel notified, all complete", latest: ["police": .complete, "health": .complete], panel: true,
                 state: .panelNotified, ready: true),
    ]

    @Test(arguments: stateRows)
    func states(_ row: StateRow) {
        var record = CaseRecord(ref: domainCaseRef, referred: referred, agencies: ["police", "health"],
                                latest: row.latest.mapValues { returnRecord(1, $0) })
        if row.meeting { record.meeting = (referred.adding(days: 14), "local-review") }
        if row.panel { record.panelNotified = referred.adding(days: 15) }
        let board = status(record, packReleased: row.packReleased)
        #expect(board.state == row.state)
        #expect(board.ready == row.ready)
        #expect(board.json["state"] == .string(row.state.rawValue))
        #expect(board.json["ready"] == .bool(row.ready))
        #expect(board.completeCount == row.latest.values.filter { $0 == .complete }.count)
    }

    @Test func noExpectedAgencyIsNeverReady() {
        let board = status(CaseRecord(ref: domainCaseRef, referred: referred, agencies: []))
        #expect(!board.ready && board.state == .awaitingReturns)
    }

    @Test func returnsFromUnexpectedAgenciesDoNotCount() {
        let board = status(CaseRecord(ref: domainCaseRef, referred: referred, agencies: ["police"],
                                      latest: ["school": returnRecord()]))
        #expect(board.agencies.map(\.agencyId) == ["police"])
        #expect(!board.ready)
    }

    @Test func overdueOnlyAfterTheReturnsDeadline() {
        let returnsDue = LocalDate(year: 2026, month: 3, day: 12)!
        let record = CaseRecord(ref: domainCaseRef, referred: referred, agencies: ["police", "health", "school"],
                                latest: ["police": returnRecord(), "health": returnRecord(2, .incomplete([.recordsSecured]))])
        let onTheDay = status(record, today: returnsDue)
        #expect(onTheDay.agencies.map(\.overdue) == [false, false, false])
        let dayAfter = status(record, today: returnsDue.adding(days: 1))
        #expect(dayAfter.agencies.map(\.state) == [.complete, .incomplete, .awaiting])
        #expect(dayAfter.agencies.map(\.overdue) == [false, true, true])
        // An override moves the deadline and so the overdue flag.
        var extended = record
        extended.overrides = [.returns: returnsDue.adding(days: 7)]
        #expect(status(extended, today: returnsDue.adding(days: 1)).agencies.map(\.overdue) == [false, false, false])
        #expect(status(extended, today: returnsDue.adding(days: 8)).agencies.map(\.overdue) == [false, true, true])
    }

    /// DESIGN §4: `caseRef`, `referred`, `state`, `ready`, `deadlines` {requests, returns,
    /// meeting, panel} as dates, `agencies` [{agencyId, status, overdue, receivedAt, version,
    /// envelopeSha256}].
    @Test func jsonCarriesTheDesignFields() throws {
        let record = CaseRecord(ref: domainCaseRef, referred: referred, agencies: ["police", "health"],
                                latest: ["police": returnRecord(2, .incomplete([.signOff, .attachmentHashMismatch(index: 1)]), index: 9)])
        let json = status(record, today: LocalDate(year: 2026, month: 3, day: 13)!).json
        #expect(json["caseRef"] == .string(domainCaseRef))
        #expect(json["referred"] == .string("2026-03-02"))
        #expect(json["state"] == .string("awaiting-returns"))
        #expect(json["ready"] == .bool(false))
        #expect(json["today"] == .string("2026-03-13"))
        #expect(json["deadlines"] == .object(["requests": .string("2026-03-04"), "returns": .string("2026-03-12"),
                                              "meeting": .string("2026-03-19"), "panel": .string("2026-03-23")]))
        #expect(json["returns"] == .object(["complete": .int(0), "expected": .int(2)]))
        let agencies = try #require(json["agencies"]?.arrayValue)
        #expect(agencies.count == 2)
        let designKeys: Set<String> = ["agencyId", "status", "overdue", "receivedAt", "version", "envelopeSha256"]
        for agency in agencies {
            #expect(designKeys.isSubset(of: Set(agency.objectValue.map { Array($0.keys) } ?? [])))
        }
        #expect(agencies[0]["agencyId"] == .string("police"))
        #expect(agencies[0]["status"] == .string("incomplete"))
        #expect(agencies[0]["overdue"] == .bool(true))
        #expect(agencies[0]["receivedAt"] == .string("2026-03-02T09:00:02.250Z"))
        #expect(agencies[0]["version"] == .int(2))
        #expect(agencies[0]["envelopeSha256"] == .string(hex("env2")))
        #expect(agencies[0]["contentSha256"] == .string(hex("content2")))
        #expect(agencies[0]["missing"] == .array([.string("sign-off"), .string("attachment-hash-mismatch:1")]))
        #expect(agencies[0]["ledgerIndex"] == .int(9))
        #expect(agencies[1]["agencyId"] == .string("health"))
        #expect(agencies[1]["status"] == .string("awaiting"))
        #expect(agencies[1]["overdue"] == .bool(true))
        for key in ["receivedAt", "version", "envelopeSha256", "contentSha256", "ledgerIndex"] {
            #expect(agencies[1][key] == .null, "\(key)")
        }
        #expect(agencies[1]["missing"] == .array([]))
        #expect(json["meeting"] == nil && json["panelNotified"] == nil)

        var closed = record
        closed.meeting = (LocalDate(year: 2026, month: 3, day: 16)!, "national-review")
        closed.panelNotified = LocalDate(year: 2026, month: 3, day: 17)!
        let closedJSON = status(closed).json
        #expect(closedJSON["meeting"] == .object(["held": .string("2026-03-16"), "decision": .string("national-review")]))
        #expect(closedJSON["panelNotified"] == .string("2026-03-17"))
        #expect(closedJSON["state"] == .string("panel-notified"))
        #expect(closedJSON["deadlines"]?["panel"] == .string("2026-03-18"))
    }

    @Test func stateNamesAreTheDesignNames() {
        #expect(CaseStatus.State.allCases.map(\.rawValue) == ["awaiting-returns", "ready", "pack-released", "meeting-held",
                                                              "panel-notified"])
    }

    @Test func caseRecordEqualityAndClosure() {
        let a = CaseRecord(ref: domainCaseRef, referred: referred, agencies: ["police"])
        var b = a
        #expect(a == b && !a.isClosed)
        b.meeting = (referred, "other")
        #expect(a != b)
        var c = b
        c.meeting = (referred, "no-review")
        #expect(b != c)
        c.panelNotified = referred
        #expect(c.isClosed)
    }
}

// MARK: - CryptoPolicy

@Suite struct CryptoPolicyTests {
    struct CipherRow: Sendable, CustomTestStringConvertible {
        var oid: String
        var kind: EnvelopeStructure.Kind
        var allowCBC: Bool
        var verdict: CryptoPolicy.Verdict
        var testDescription: String { "\(oid) \(kind.rawValue) allowCBC=\(allowCBC)" }
    }

    static let cipherRows: [CipherRow] = {
        var rows: [CipherRow] = []
        for kind in [EnvelopeStructure.Kind.enveloped, .authEnveloped] {
            for allowCBC in [true, false] {
                for (oid, _) in CryptoPolicy.gcm { rows.append(CipherRow(oid: oid, kind: kind, allowCBC: allowCBC, verdict: .allowed)) }
                for (oid, name) in CryptoPolicy.cbc {
                    let verdict: CryptoPolicy.Verdict = kind == .authEnveloped ? .refused("\(name) in AuthEnvelopedData")
                        : allowCBC ? .allowed : .refused("\(name) (allow_cbc = false)")
                    rows.append(CipherRow(oid: oid, kind: kind, allowCBC: allowCBC, verdict: verdict))
                }
                rows.append(CipherRow(oid: "1.3.14.3.2.7", kind: kind, allowCBC: allowCBC, verdict: .refused("DES-CBC")))
                rows.append(CipherRow(oid: "1.2.840.113549.3.7", kind: kind, allowCBC: allowCBC, verdict: .refused("DES-EDE3-CBC")))
                rows.append(CipherRow(oid: "1.2.840.113549.3.2", kind: kind, allowCBC: allowCBC, verdict: .refused("RC2-CBC")))
                rows.append(CipherRow(oid: "1.2.840.113549.3.4", kind: kind, allowCBC: allowCBC, verdict: .refused("RC4")))
                rows.append(CipherRow(oid: "2.16.840.1.101.3.4.1.1", kind: kind, allowCBC: allowCBC,
                                      verdict: .refused("content cipher 2.16.840.1.101.3.4.1.1")))  // AES-128-ECB
                rows.append(CipherRow(oid: "1.2.840.113549.1.9.16.3.18", kind: kind, allowCBC: allowCBC,
                                      verdict: .refused("content cipher 1.2.840.113549.1.9.16.3.18")))  // ChaCha20-Poly1305
            }
        }
        return rows
    }()

    @Test(arguments: cipherRows)
    func contentCipher(_ row: CipherRow) {
        let policy = CryptoPolicy(allowCBC: row.allowCBC, allowRSAPKCS1v15: true)
        let structure = EnvelopeStructure(kind: row.kind, contentEncryptionAlgorithm: row.oid, recipientCount: 1)
        #expect(policy.contentCipher(structure) == row.verdict)
    }

    @Test func knownCipherOIDs() {
        #expect(CryptoPolicy.gcm == ["2.16.840.1.101.3.4.1.6": "AES-128-GCM", "2.16.840.1.101.3.4.1.26": "AES-192-GCM",
                                     "2.16.840.1.101.3.4.1.46": "AES-256-GCM"])
        #expect(CryptoPolicy.cbc == ["2.16.840.1.101.3.4.1.2": "AES-128-CBC", "2.16.840.1.101.3.4.1.22": "AES-192-CBC",
                                     "2.16.840.1.101.3.4.1.42": "AES-256-CBC"])
        #expect(CryptoPolicy() == CryptoPolicy(allowCBC: true, allowRSAPKCS1v15: true))
    }

    @Test(arguments: [true, false])
    func keyTransport(allowPKCS1: Bool) {
        let policy = CryptoPolicy(allowCBC: true, allowRSAPKCS1v15: allowPKCS1)
        #expect(policy.keyTransport(.rsaOAEP) == .allowed)
        #expect(policy.keyTransport(.keyAgreement) == .allowed)
        #expect(policy.keyTransport(.rsaPKCS1v15)
                == (allowPKCS1 ? .allowed : .refused("RSA PKCS#1 v1.5 key transport (allow_rsa_pkcs1v15 = false)")))
        #expect(policy.keyTransport(.other("KEK")) == .refused("key transport KEK"))
        #expect(policy.keyTransport(.other("password")) == .refused("key transport password"))
    }

    @Test(arguments: ["SHA256", "SHA384", "SHA512", "SHA224", "sha256", "Sha512", "SHA3-256", "SHA3-384", "SHA3-512", "sha3-256"])
    func signatureDigestAllowed(name: String) {
        #expect(CryptoPolicy().signatureDigest(name) == .allowed)
        #expect(CryptoPolicy(allowCBC: false, allowRSAPKCS1v15: false).signatureDigest(name) == .allowed)
    }

    @Test(arguments: ["SHA1", "sha1", "MD5", "MD2", "RIPEMD160", "SHA-256x", "", "SHA256 ", "SHAKE128"])
    func signatureDigestRefused(name: String) {
        #expect(CryptoPolicy().signatureDigest(name) == .refused("signature digest \(name)"))
    }
}

// MARK: - EnvelopeEncoding

/// A small DER payload standing in for an envelope (a ContentInfo-shaped SEQUENCE).
private let payload: [UInt8] = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03, 0xa0, 0x00]

/// `bytes` in base64 lines of `width` characters.
private func base64Lines(_ bytes: [UInt8], width: Int = 64) -> [String] {
    let text = Array(Base64.encode(bytes))
    return stride(from: 0, to: text.count, by: width).map { String(text[$0..<min($0 + width, text.count)]) }
}

/// A longer payload, so that base64 spans several lines.
private let longPayload: [UInt8] = [0x30, 0x81, 0x96] + (0..<150).map { UInt8($0 & 0xff) }

@Suite struct EnvelopeEncodingTests {
    private func pem(_ label: String = "CMS", _ bytes: [UInt8] = longPayload, newline: String = "\n") -> [UInt8] {
        Array((["-----BEGIN \(label)-----"] + base64Lines(bytes) + ["-----END \(label)-----"]).map { $0 + newline }.joined().utf8)
    }

    private func smime(type: String = "application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"",
                       encoding: String? = "base64", newline: String = "\r\n", extraHeaders: [String] = [],
                       body: [UInt8]? = nil) -> [UInt8] {
        var headers = ["MIME-Version: 1.0", "Content-Disposition: attachment; filename=\"smime.p7m\"", "Content-Type: \(type)"]
        if let encoding { headers.append("Content-Transfer-Encoding: \(encoding)") }
        headers += extraHeaders
        let head = Array((headers.joined(separator: newline) + newline + newline).utf8)
        return head + (body ?? Array((base64Lines(longPayload, width: 76).joined(separator: newline) + newline).utf8))
    }

    @Test func derIsItself() {
        #expect(EnvelopeEncoding.sniff(payload) == .der)
        #expect(EnvelopeEncoding.sniff([0x30, 0x80]) == .der)  // BER, indefinite length
        #expect(EnvelopeEncoding.der.der(from: payload) == payload)
        #expect(EnvelopeEncoding.sniff(prefix: payload[...]) == .der)
    }

    @Test(arguments: ["CMS", "PKCS7"], ["\n", "\r\n"])
    func pemWithEitherLabelAndLineEnding(label: String, newline: String) {
        let bytes = pem(label, newline: newline)
        #expect(EnvelopeEncoding.sniff(bytes) == .pem)
        #expect(EnvelopeEncoding.pem.der(from: bytes) == longPayload)
        // Leading blank lines and white space, trailing blank lines.
        let padded = Array("  \t\(newline)\(newline)".utf8) + bytes + Array("\(newline)\(newline)".utf8)
        #expect(EnvelopeEncoding.sniff(padded) == .pem)
        #expect(EnvelopeEncoding.pem.der(from: padded) == longPayload)
    }

    @Test func pemWithTrailingSpacesAndOddLineWidths() {
        let lines = ["-----BEGIN CMS-----  "] + base64Lines(longPayload, width: 76).map { $0 + " \t" } + ["-----END CMS-----\t"]
        let bytes = Array(lines.joined(separator: "\r\n").utf8)  // and no final newline
        #expect(EnvelopeEncoding.sniff(bytes) == .pem)
        #expect(EnvelopeEncoding.pem.der(from: bytes) == longPayload)
    }

    @Test func pemRefusals() {
        let good = String(decoding: pem(), as: UTF8.self)
        let cases: [String] = [
            good.replacingOccurrences(of: "-----END CMS-----", with: "-----END PKCS7-----"),  // label mismatch
            good.replacingOccurrences(of: "-----END CMS-----\n", with: ""),  // no END
            good + "trailing text\n",  // text after END
            good.replacingOccurrences(of: "-----BEGIN CMS-----\n", with: "-----BEGIN CMS-----\n!!!!\n"),  // not base64
            "-----BEGIN CERTIFICATE-----\n" + base64Lines(longPayload).joined(separator: "\n") + "\n-----END CERTIFICATE-----\n",
        ]
        for text in cases {
            #expect(EnvelopeEncoding.pem.der(from: Array(text.utf8)) == nil, "\(text.prefix(40))")
        }
        #expect(EnvelopeEncoding.sniff(Array(cases[4].utf8)) == nil)
        #expect(EnvelopeEncoding.sniff(Array(("Explanatory text\n" + good).utf8)) == nil)
    }

    @Test(arguments: ["\r\n", "\n"])
    func smimeBase64(newline: String) {
        let bytes = smime(newline: newline)
        #expect(EnvelopeEncoding.sniff(bytes) == .smime)
        #expect(EnvelopeEncoding.smime.der(from: bytes) == longPayload)
    }

    @Test func smimeFoldedHeadersAndCase() {
        // RFC 5322 §2.2.3: a header field body may be folded onto continuation lines.
        let folded = smime(type: "application/pkcs7-mime;\r\n\tsmime-type=enveloped-data;\r\n name=\"smime.p7m\"",
                           encoding: "BASE64")
        #expect(EnvelopeEncoding.sniff(folded) == .smime)
        #expect(EnvelopeEncoding.smime.der(from: folded) == longPayload)
        let shouting = Array(String(decoding: smime(), as: UTF8.self)
            .replacingOccurrences(of: "Content-Type: application/pkcs7-mime", with: "CONTENT-TYPE: Application/PKCS7-MIME")
            .utf8)
        #expect(EnvelopeEncoding.smime.der(from: shouting) == longPayload)
    }

    @Test func smimeHeaderValueOnTheContinuationLine() {
        let bytes = smime(type: "\r\n application/pkcs7-mime; smime-type=enveloped-data", encoding: "\r\n\tbase64")
        #expect(EnvelopeEncoding.sniff(bytes) == .smime)
        #expect(EnvelopeEncoding.smime.der(from: bytes) == longPayload)
    }

    @Test func smimeXPKCS7MIME() {
        let bytes = smime(type: "application/x-pkcs7-mime; name=smime.p7m")
        #expect(EnvelopeEncoding.sniff(bytes) == .smime)
        #expect(EnvelopeEncoding.smime.der(from: bytes) == longPayload)
    }

    @Test func smimeBinaryTransferEncoding() {
        // The raw body may itself contain CR LF CR LF: only the first blank line ends the headers.
        let body: [UInt8] = [0x30, 0x08, 0x0d, 0x0a, 0x0d, 0x0a, 0x0a, 0x0a, 0x00, 0xff]
        let bytes = smime(encoding: "binary", body: body)
        #expect(EnvelopeEncoding.sniff(bytes) == .smime)
        #expect(EnvelopeEncoding.smime.der(from: bytes) == body)
        #expect(EnvelopeEncoding.smime.der(from: smime(encoding: "binary", newline: "\n", body: body)) == body)
    }

    @Test func smimeFirstHeaderWins() {
        let bytes = smime(extraHeaders: ["Content-Type: text/plain", "Content-Transfer-Encoding: quoted-printable"])
        #expect(EnvelopeEncoding.smime.der(from: bytes) == longPayload)
    }

    @Test func smimeRefusals() {
        #expect(EnvelopeEncoding.smime.der(from: smime(encoding: nil)) == nil)  // 7bit cannot carry DER
        #expect(EnvelopeEncoding.smime.der(from: smime(encoding: "quoted-printable")) == nil)
        #expect(EnvelopeEncoding.smime.der(from: smime(type: "application/pkcs7-signature")) == nil)
        #expect(EnvelopeEncoding.smime.der(from: smime(body: Array("not base64 at all!\r\n".utf8))) == nil)
        // A body that merely mentions the type is sniffed as S/MIME but does not decode.
        let mention = Array("Content-Type: text/plain\r\n\r\nsee application/pkcs7-mime\r\n".utf8)
        #expect(EnvelopeEncoding.sniff(mention) == .smime)
        #expect(EnvelopeEncoding.smime.der(from: mention) == nil)
        // No blank line: no body.
        let headless = Array("Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\nMIAGCSqGSIb3DQEHA6CAMIACAQ".utf8)
        #expect(EnvelopeEncoding.smime.der(from: headless) == nil)
    }

    @Test(arguments: [
        [UInt8](), [0x00], [0x31, 0x00], Array("hello".utf8), Array("{\"schema\":\"scoping-return/v1\"}".utf8),
        Array("-----BEGIN CERTIFICATE-----\n".utf8), Array("Subject: hi\r\n\r\nbody".utf8), [0xff, 0xfe, 0x00, 0x30],
        Array("Content-Type: application/pdf\r\n\r\n".utf8),
    ])
    func garbageIsNoEncoding(bytes: [UInt8]) {
        #expect(EnvelopeEncoding.sniff(bytes) == nil)
        #expect(EnvelopeEncoding.pem.der(from: bytes) == nil)
        #expect(EnvelopeEncoding.smime.der(from: bytes) == nil)
    }

    @Test func sniffLooksOnlyAtThePrefix() {
        let late = [UInt8](repeating: UInt8(ascii: "x"), count: 5000) + Array("\nContent-Type: application/pkcs7-mime\n".utf8)
        #expect(EnvelopeEncoding.sniff(late) == nil)
    }

    @Test func mutatedTextNeverCrashes() {
        var random = SplitMix64(seed: 0x5eed_0001)
        let seeds = [pem(), pem("PKCS7", newline: "\r\n"), smime(), smime(encoding: "binary", body: longPayload)]
        for _ in 0..<3000 {
            let mutated = mutate(seeds[Int(random.next() % UInt64(seeds.count))], &random)
            let encoding = EnvelopeEncoding.sniff(mutated)
            for candidate in [EnvelopeEncoding.der, .pem, .smime] { _ = candidate.der(from: mutated) }
            if let encoding { _ = encoding.der(from: mutated) }
        }
    }
}

// MARK: - BER and the envelope structure

/// A deterministic generator (SplitMix64), so fuzz failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// One to four random edits: flip a bit, set a byte to a hostile value, insert, delete,
/// truncate or duplicate a run.
private func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
    var out = bytes
    for _ in 0...Int(random.next() % 4) {
        let position = out.isEmpty ? 0 : Int(random.next() % UInt64(out.count))
        switch random.next() % 7 {
        case 0 where !out.isEmpty: out[position] ^= UInt8(1 << (random.next() % 8))
        case 1 where !out.isEmpty: out[position] = [0x00, 0x80, 0x81, 0x84, 0x85, 0xff, 0x1f, 0x30, 0xa0][Int(random.next() % 9)]
        case 2: out.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
        case 3 where !out.isEmpty: out.remove(at: position)
        case 4: out = Array(out.prefix(position))
        case 5 where !out.isEmpty:
            let end = min(out.count, position + Int(random.next() % 16) + 1)
            out.insert(contentsOf: out[position..<end], at: position)
        default: if !out.isEmpty { out[position] = UInt8(truncatingIfNeeded: random.next()) }
        }
    }
    return out
}

private func encodedLength(_ count: Int) -> [UInt8] {
    if count < 0x80 { return [UInt8(count)] }
    var bytes: [UInt8] = []
    var value = count
    while value > 0 {
        bytes.insert(UInt8(value & 0xff), at: 0)
        value >>= 8
    }
    return [0x80 | UInt8(bytes.count)] + bytes
}

/// A definite-length TLV.
private func tlv(_ tag: UInt8, _ parts: [UInt8]...) -> [UInt8] {
    let contents = parts.flatMap { $0 }
    return [tag] + encodedLength(contents.count) + contents
}

private func base128(_ value: UInt64) -> [UInt8] {
    var out = [UInt8(value & 0x7f)]
    var rest = value >> 7
    while rest > 0 {
        out.insert(UInt8(rest & 0x7f) | 0x80, at: 0)
        rest >>= 7
    }
    return out
}

private func oid(_ dotted: String) -> [UInt8] {
    let arcs = dotted.split(separator: ".").map { UInt64($0)! }
    return tlv(0x06, base128(arcs[0] * 40 + arcs[1]) + arcs.dropFirst(2).flatMap(base128))
}

private let aes256GCM = "2.16.840.1.101.3.4.1.46"
private let aes128CBC = "2.16.840.1.101.3.4.1.2"
private let oidData = "1.2.840.113549.1.7.1"

/// A hand-made CMS ContentInfo holding an (Auth)EnvelopedData, in DER or, with `indefinite`,
/// in BER with indefinite lengths at every constructed level and the encrypted content in
/// chunks (what `openssl cms -stream` writes).
private func envelope(contentType: String = EnvelopeStructure.oidEnvelopedData, cipher: String = aes256GCM, recipients: Int = 1,
                      originatorInfo: Bool = false, indefinite: Bool = false) -> [UInt8] {
    func constructed(_ tag: UInt8, _ parts: [UInt8]...) -> [UInt8] {
        let contents = parts.flatMap { $0 }
        return indefinite ? [tag, 0x80] + contents + [0x00, 0x00] : tlv(tag, contents)
    }
    let recipientInfo = constructed(0x30,
                                    tlv(0x02, [0x02]),
                                    tlv(0x80, [UInt8](repeating: 0x5a, count: 20)),  // [0] subjectKeyIdentifier
                                    constructed(0x30, oid("1.2.840.113549.1.1.7")),  // RSAES-OAEP
                                    tlv(0x04, [UInt8](repeating: 0xc3, count: 256)))  // long-form length
    let encryptedContent = indefinite
        ? constructed(0xa0, tlv(0x04, [UInt8](repeating: 0xe1, count: 100)), tlv(0x04, [UInt8](repeating: 0xe2, count: 28)))
        : tlv(0x80, [UInt8](repeating: 0xe1, count: 128))
    let eci = constructed(0x30, oid(oidData), constructed(0x30, oid(cipher), tlv(0x04, [UInt8](repeating: 0x11, count: 12))),
                          encryptedContent)
    var fields = tlv(0x02, [contentType == EnvelopeStructure.oidAuthEnvelopedData ? 0 : 2])
    if originatorInfo { fields += constructed(0xa0, constructed(0xa0)) }
    fields += constructed(0x31, Array(repeating: recipientInfo, count: recipients).flatMap { $0 })
    fields += eci
    if contentType == EnvelopeStructure.oidAuthEnvelopedData { fields += tlv(0x04, [UInt8](repeating: 0x4d, count: 16)) }
    return constructed(0x30, oid(contentType), constructed(0xa0, constructed(0x30, fields)))
}

@Suite struct EnvelopeStructureTests {
    struct Layout: Sendable, CustomTestStringConvertible {
        var contentType: String
        var cipher: String
        var recipients: Int
        var originatorInfo: Bool
        var indefinite: Bool
        var testDescription: String {
            "\(contentType == EnvelopeStructure.oidEnvelopedData ? "Enveloped" : "AuthEnveloped") \(cipher) ×\(recipients)"
                + (originatorInfo ? " +originator" : "") + (indefinite ? " BER" : " DER")
        }
        var bytes: [UInt8] {
            envelope(contentType: contentType, cipher: cipher, recipients: recipients, originatorInfo: originatorInfo,
                     indefinite: indefinite)
        }
    }

    static let layouts: [Layout] = [EnvelopeStructure.oidEnvelopedData, EnvelopeStructure.oidAuthEnvelopedData].flatMap { type in
        [(aes256GCM, 1, false, false), (aes128CBC, 3, false, false), (aes256GCM, 2, true, false), (aes256GCM, 1, false, true),
         (aes128CBC, 2, true, true), ("1.2.840.113549.3.7", 1, false, false)].map {
            Layout(contentType: type, cipher: $0.0, recipients: $0.1, originatorInfo: $0.2, indefinite: $0.3)
        }
    }

    @Test(arguments: layouts)
    func readsTheStructure(_ layout: Layout) {
        let kind: EnvelopeStructure.Kind = layout.contentType == EnvelopeStructure.oidEnvelopedData ? .enveloped : .authEnveloped
        #expect(EnvelopeStructure.read(layout.bytes)
                == EnvelopeStructure(kind: kind, contentEncryptionAlgorithm: layout.cipher, recipientCount: layout.recipients))
    }

    @Test(arguments: layouts)
    func everyTruncationIsRefused(_ layout: Layout) {
        let bytes = layout.bytes
        for end in 0..<bytes.count {
            #expect(EnvelopeStructure.read(Array(bytes.prefix(end))) == nil, "prefix \(end) of \(bytes.count)")
        }
    }

    @Test func derOpensslWouldWrite() {
        // The shape of `openssl cms -encrypt -aes-256-gcm` output, bytes written out by hand:
        // ContentInfo { id-ct-authEnvelopedData, [0] { AuthEnvelopedData } }.
        let der: [UInt8] = [
            0x30, 0x4e,
            0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
            0xa0, 0x3f, 0x30, 0x3d,
            0x02, 0x01, 0x00,
            0x31, 0x08, 0x30, 0x06, 0x02, 0x01, 0x00, 0x04, 0x01, 0xaa,  // a token recipient
            0x30, 0x1c,
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
            0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e,
            0x80, 0x02, 0xde, 0xad,
            0x04, 0x10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        ]
        #expect(EnvelopeStructure.read(der)
                == EnvelopeStructure(kind: .authEnveloped, contentEncryptionAlgorithm: aes256GCM, recipientCount: 1))
    }

    @Test func refusesOtherShapes() {
        let ecInner = tlv(0x30, oid(oidData), tlv(0x30, oid(aes256GCM)))
        let recipients = tlv(0x31, tlv(0x30, tlv(0x02, [0])))
        func info(_ content: [UInt8], type: String = EnvelopeStructure.oidEnvelopedData) -> [UInt8] {
            tlv(0x30, oid(type), content)
        }
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("SignedData", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients, ecInner)), type: "1.2.840.113549.1.7.2")),
            ("content not [0]", info(tlv(0xa1, tlv(0x30, tlv(0x02, [2]), recipients, ecInner)))),
            ("content [0] primitive", info(tlv(0x80, [0x30, 0x00]))),
            ("content not a SEQUENCE", info(tlv(0xa0, tlv(0x31, tlv(0x02, [2]), recipients, ecInner)))),
            ("two contents", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients, ecInner), tlv(0x30)))),
            ("three parts", tlv(0x30, oid(EnvelopeStructure.oidEnvelopedData), tlv(0xa0, tlv(0x30)), tlv(0x05))),
            ("no version", info(tlv(0xa0, tlv(0x30, recipients, ecInner)))),
            ("version not INTEGER", info(tlv(0xa0, tlv(0x30, tlv(0x04, [2]), recipients, ecInner)))),
            ("recipients not a SET", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), tlv(0x30, tlv(0x30)), ecInner)))),
            ("no EncryptedContentInfo", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients)))),
            ("EncryptedContentInfo not a SEQUENCE", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients, tlv(0x31, oid(oidData)))))),
            ("no algorithm", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients, tlv(0x30, oid(oidData)))))),
            ("algorithm not a SEQUENCE", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients, tlv(0x30, oid(oidData), oid(aes256GCM)))))),
            ("empty algorithm", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients, tlv(0x30, oid(oidData), tlv(0x30)))))),
            ("algorithm not an OID", info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients, tlv(0x30, oid(oidData), tlv(0x30, tlv(0x05))))))),
            ("not a SEQUENCE at all", tlv(0x31, oid(EnvelopeStructure.oidEnvelopedData))),
            ("content type not an OID", tlv(0x30, tlv(0x04, [1]), tlv(0xa0, tlv(0x30)))),
        ]
        for (name, bytes) in cases {
            #expect(EnvelopeStructure.read(bytes) == nil, "\(name)")
        }
        // The same builder with a good version reads, so the refusals above are the shapes'.
        #expect(EnvelopeStructure.read(info(tlv(0xa0, tlv(0x30, tlv(0x02, [2]), recipients, ecInner))))
                == EnvelopeStructure(kind: .enveloped, contentEncryptionAlgorithm: aes256GCM, recipientCount: 1))
    }

    /// A binary S/MIME body may end in CR LF after the DER: bytes after the ContentInfo are
    /// not read.
    @Test func bytesAfterTheContentInfoAreNotRead() {
        #expect(EnvelopeStructure.read(envelope() + [0x0d, 0x0a])?.recipientCount == 1)
    }

    @Test func hostileLengthsInsideTheStructure() {
        let base = envelope()
        // Point the outer length far past the end, in every long form.
        for header in [[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff], [0x30, 0x88, 0, 0, 0, 0, 0, 0, 1, 0],
                       [0x30, 0x80 | 0x7f], [0x30, 0x81], [0x30, 0x80]] as [[UInt8]] {
            let bytes = header + Array(base.dropFirst(base[1] < 0x80 ? 2 : 2 + Int(base[1] & 0x7f)))
            #expect(EnvelopeStructure.read(bytes) == nil, "\(header)")
        }
    }

    @Test func fuzzedEnvelopesNeverCrash() {
        var random = SplitMix64(seed: 0xc0ff_ee00_2026)
        let seeds = Self.layouts.map(\.bytes)
        var parsed = 0
        for _ in 0..<6000 {
            let bytes = mutate(seeds[Int(random.next() % UInt64(seeds.count))], &random)
            if let structure = EnvelopeStructure.read(bytes) {
                parsed += 1
                #expect(structure.recipientCount >= 0)
                #expect(EnvelopeStructure.read(bytes) == structure)  // deterministic
            }
            walk(BERReader(bytes))
        }
        // Some mutations (e.g. in the encrypted content) leave a readable structure.
        #expect(parsed > 0)
    }

    @Test func randomBytesNeverCrash() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            let count = Int(random.next() % 64)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if !bytes.isEmpty && random.next() % 2 == 0 { bytes[0] = 0x30 }
            _ = EnvelopeStructure.read(bytes)
            walk(BERReader(bytes))
        }
    }
}

/// Reads every element reachable from offset 0, checking each lies inside the input.
private func walk(_ reader: BERReader) {
    guard let root = try? reader.element(at: 0) else { return }
    var stack = [(root, 0)]
    var visited = 0
    while let (element, depth) = stack.popLast(), visited < 10_000 {
        visited += 1
        #expect(element.whole.lowerBound >= 0 && element.whole.upperBound <= reader.bytes.count)
        #expect(element.contents.lowerBound >= element.whole.lowerBound && element.contents.upperBound <= element.whole.upperBound)
        if element.tagClass == 0 && element.tagNumber == 6 { _ = try? reader.objectIdentifier(element) }
        guard element.constructed, depth < 40, let children = try? reader.children(of: element) else { continue }
        stack += children.map { ($0, depth + 1) }
    }
}

@Suite struct BERReaderTests {
    typealias Element = BERReader.Element

    @Test func definiteLength() throws {
        let reader = BERReader([0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xff])
        let sequence = try reader.element(at: 0)
        #expect(sequence == Element(tagClass: 0, constructed: true, tagNumber: 16, contents: 2..<8, whole: 0..<8))
        let children = try reader.children(of: sequence)
        #expect(children == [
            Element(tagClass: 0, constructed: false, tagNumber: 2, contents: 4..<5, whole: 2..<5),
            Element(tagClass: 0, constructed: false, tagNumber: 4, contents: 7..<8, whole: 5..<8),
        ])
        #expect(throws: BERReader.Failure.self) { try reader.children(of: sequence, maxCount: 1) }
        #expect(throws: BERReader.Failure.self) { try reader.children(of: children[0]) }  // primitive
        #expect(throws: BERReader.Failure.self) { try reader.element(at: 0, limit: 7) }
        #expect(throws: BERReader.Failure.self) { try reader.element(at: 8) }
        #expect(try reader.element(at: 2, limit: 5) == children[0])
    }

    @Test func longFormLengths() throws {
        let contents = [UInt8](repeating: 0xab, count: 300)
        let reader = BERReader([0x04, 0x82, 0x01, 0x2c] + contents)
        #expect(try reader.element(at: 0) == Element(tagClass: 0, constructed: false, tagNumber: 4, contents: 4..<304, whole: 0..<304))
        // BER allows a non-minimal long form.
        let padded = BERReader([0x04, 0x84, 0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb])
        #expect(try padded.element(at: 0).contents == 6..<8)
        let short = BERReader([0x04, 0x81, 0x01, 0xaa])
        #expect(try short.element(at: 0).contents == 3..<4)
    }

    @Test func indefiniteLength() throws {
        let reader = BERReader([0x30, 0x80, 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00])
        let outer = try reader.element(at: 0)
        #expect(outer == Element(tagClass: 0, constructed: true, tagNumber: 16, contents: 2..<11, whole: 0..<13))
        let children = try reader.children(of: outer)
        #expect(children.map(\.whole) == [2..<9, 9..<11])
        #expect(children[0].contents == 4..<7)
        #expect(try reader.children(of: children[0]).map(\.tagNumber) == [2])
    }

    @Test func tagClassesAndHighTagNumbers() throws {
        #expect(try BERReader([0xa3, 0x00]).element(at: 0) == Element(tagClass: 2, constructed: true, tagNumber: 3, contents: 2..<2,
                                                                       whole: 0..<2))
        #expect(try BERReader([0x41, 0x00]).element(at: 0).tagClass == 1)
        #expect(try BERReader([0xdf, 0x05, 0x00]).element(at: 0).tagClass == 3)
        #expect(try BERReader([0x1f, 0x81, 0x00, 0x00]).element(at: 0).tagNumber == 128)
        #expect(try BERReader([0x1f, 0x8f, 0xff, 0xff, 0x7f, 0x00]).element(at: 0).tagNumber == 0x1ff_ffff)
        #expect(throws: BERReader.Failure.self) { try BERReader([0x1f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00]).element(at: 0) }
        #expect(throws: BERReader.Failure.self) { try BERReader([0x1f]).element(at: 0) }
        #expect(throws: BERReader.Failure.self) { try BERReader([0x1f, 0x81]).element(at: 0) }
    }

    @Test(arguments: [
        [], [0x30], [0x30, 0x01], [0x30, 0x05, 0x02, 0x01], [0x30, 0x80], [0x30, 0x80, 0x00], [0x30, 0x80, 0x02, 0x01, 0x05],
        [0x04, 0x80, 0x00, 0x00], [0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00], [0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00], [0x30, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        [0x30, 0xff], [0x30, 0x81], [0x30, 0x82, 0x01], [0x30, 0x80, 0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00],
        [0x30, 0x80, 0x30, 0x80, 0x00, 0x00], [0x30, 0x80, 0x30, 0x03, 0x00, 0x00],
    ] as [[UInt8]])
    func refusesTruncatedAndHostileEncodings(bytes: [UInt8]) {
        #expect(throws: BERReader.Failure.self) { try BERReader(bytes).element(at: 0) }
    }

    @Test func nestingIsBounded() throws {
        func nested(_ levels: Int) -> [UInt8] {
            Array(repeating: [0x30, 0x80] as [UInt8], count: levels).flatMap { $0 } + Array(repeating: 0x00, count: 2 * levels)
        }
        #expect(try BERReader(nested(64)).element(at: 0).whole == 0..<256)
        #expect(throws: BERReader.Failure.self) { try BERReader(nested(65)).element(at: 0) }
        // Deep enough to overflow the stack if nesting were unbounded.
        #expect(throws: BERReader.Failure.self) { try BERReader(nested(200_000)).element(at: 0) }
        // Definite-length nesting is only read one level at a time.
        var definite: [UInt8] = []
        for _ in 0..<100 { definite = tlv(0x30, definite) }
        #expect(try BERReader(definite).element(at: 0).whole == 0..<definite.count)
    }

    @Test(arguments: [
        ("1.2.840.113549.1.7.3", [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03]),
        ("2.16.840.1.101.3.4.1.46", [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e]),
        ("1.3.14.3.2.7", [0x2b, 0x0e, 0x03, 0x02, 0x07]),
        ("2.999.3", [0x88, 0x37, 0x03]),  // X.690 §8.19.5 example
        ("0.39", [0x27]),
        ("1.0", [0x28]),
        ("2.0", [0x50]),
    ] as [(String, [UInt8])])
    func objectIdentifiers(dotted: String, contents: [UInt8]) throws {
        let reader = BERReader([0x06, UInt8(contents.count)] + contents)
        #expect(try reader.objectIdentifier(try reader.element(at: 0)) == dotted)
        #expect(oid(dotted) == [0x06, UInt8(contents.count)] + contents)
    }

    @Test(arguments: [
        [0x06, 0x00],  // empty
        [0x06, 0x02, 0x2a, 0x86],  // last arc unterminated
        [0x06, 0x03, 0x2a, 0x80, 0x01],  // non-minimal arc
        [0x06, 0x02, 0x80, 0x01],  // non-minimal first arc
        [0x26, 0x01, 0x2a],  // constructed
        [0x04, 0x01, 0x2a],  // OCTET STRING
        [0x86, 0x01, 0x2a],  // context tag 6
        [0x06, 0x0b, 0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],  // arc past 2^63
        [0x06, 0x41] + [0x2a] + [UInt8](repeating: 0x01, count: 64),  // longer than 64 bytes
    ] as [[UInt8]])
    func refusesBadObjectIdentifiers(bytes: [UInt8]) throws {
        let reader = BERReader(bytes)
        let element = try reader.element(at: 0)
        #expect(throws: BERReader.Failure.self) { try reader.objectIdentifier(element) }
    }

    @Test(arguments: [UInt64(1) << 55, UInt64(1) << 62, UInt64(Int64.max)])
    func largeArcsThatFit(arc: UInt64) throws {
        let reader = BERReader(oid("1.2.\(arc)"))
        #expect(try reader.objectIdentifier(try reader.element(at: 0)) == "1.2.\(arc)")
    }
}
