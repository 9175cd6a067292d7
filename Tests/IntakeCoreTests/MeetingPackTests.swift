import IntakeCore
import Testing

private let referral = LocalDate(year: 2026, month: 3, day: 2)!
private let calendar = WorkingCalendar(holidays: .embedded())
private let ref = "RR-2026-014"

private func digest(_ text: String) -> String { SHA256.hex(Array(text.utf8)) }

private func returned(_ version: Int, _ completeness: Completeness = .complete, index: Int) -> ReturnRecord {
    ReturnRecord(version: version, envelopeSha256: digest("envelope \(index)"), contentSha256: digest("content \(index)"),
                 receivedAt: UTCInstant(secondsSinceEpoch: 1_772_442_000 + Int64(index)), completeness: completeness, ledgerIndex: index)
}

private func pack(_ number: Int, returns: [Int], override: Bool = false) -> PackRecord {
    PackRecord(number: number, sha256: digest("pack \(number)"), ledgerIndex: 100 + number,
               releasedAt: UTCInstant(secondsSinceEpoch: 1_772_500_000), returnIndices: returns, isOverride: override)
}

/// Readiness and release as a state machine, without I/O.
@Suite struct PackPolicyTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var latest: [String: ReturnRecord]
        var packs: [PackRecord] = []
        var closed = false
        var autoRelease = true
        var automatic: PackPolicy.Verdict
        var onDemand: PackPolicy.Verdict
        var onDemandOverride: PackPolicy.Verdict
        var testDescription: String { name }
    }

    static let notReady = PackPolicy.Verdict.refuse(code: "not-ready", message: "")
    static let rows: [Row] = [
        Row(name: "nothing in", latest: [:], automatic: .hold, onDemand: notReady,
            onDemandOverride: .release(number: 1, missing: ["police", "health"])),
        Row(name: "one of two complete", latest: ["police": returned(1, index: 5)], automatic: .hold, onDemand: notReady,
            onDemandOverride: .release(number: 1, missing: ["health"])),
        Row(name: "one incomplete", latest: ["police": returned(1, index: 5), "health": returned(1, .incomplete([.signOff]), index: 6)],
            automatic: .hold, onDemand: notReady, onDemandOverride: .release(number: 1, missing: ["health"])),
        Row(name: "all complete: the first pack", latest: ["police": returned(1, index: 5), "health": returned(1, index: 6)],
            automatic: .release(number: 1, missing: []), onDemand: .release(number: 1, missing: []),
            onDemandOverride: .release(number: 1, missing: [])),
        Row(name: "all complete, auto-release off", latest: ["police": returned(1, index: 5), "health": returned(1, index: 6)],
            autoRelease: false, automatic: .hold, onDemand: .release(number: 1, missing: []), onDemandOverride: .release(number: 1, missing: [])),
        Row(name: "released, nothing new", latest: ["police": returned(1, index: 5), "health": returned(1, index: 6)],
            packs: [pack(1, returns: [5, 6])], automatic: .hold, onDemand: .release(number: 2, missing: []),
            onDemandOverride: .release(number: 2, missing: [])),
        Row(name: "a new version after release: pack N+1", latest: ["police": returned(2, index: 9), "health": returned(1, index: 6)],
            packs: [pack(1, returns: [5, 6])], automatic: .release(number: 2, missing: []),
            onDemand: .release(number: 2, missing: []), onDemandOverride: .release(number: 2, missing: [])),
        Row(name: "an incomplete new version after release still makes pack N+1",
            latest: ["police": returned(2, .incomplete([.recordsSecured]), index: 9), "health": returned(1, index: 6)],
            packs: [pack(1, returns: [5, 6])], automatic: .release(number: 2, missing: ["police"]), onDemand: notReady,
            onDemandOverride: .release(number: 2, missing: ["police"])),
        Row(name: "after an override release, the late return makes pack 2",
            latest: ["police": returned(1, index: 5), "health": returned(1, index: 6)],
            packs: [pack(1, returns: [5], override: true)], automatic: .release(number: 2, missing: []),
            onDemand: .release(number: 2, missing: []), onDemandOverride: .release(number: 2, missing: [])),
        Row(name: "closed case", latest: ["police": returned(2, index: 9), "health": returned(1, index: 6)], packs: [pack(1, returns: [5, 6])],
            closed: true, automatic: .hold, onDemand: .refuse(code: "case-closed", message: ""),
            onDemandOverride: .refuse(code: "case-closed", message: "")),
    ]

    @Test(arguments: rows)
    func decides(_ row: Row) {
        var record = CaseRecord(ref: ref, referred: referral, agencies: ["police", "health"], latest: row.latest, packs: row.packs)
        if row.closed { record.panelNotified = referral.adding(days: 20) }
        #expect(PackPolicy.automatic(record, autoRelease: row.autoRelease) == row.automatic)
        #expect(Self.codeOnly(PackPolicy.onDemand(record, override: false)) == Self.codeOnly(row.onDemand))
        #expect(Self.codeOnly(PackPolicy.onDemand(record, override: true)) == Self.codeOnly(row.onDemandOverride))
        // A released pack puts the case in pack-released until the meeting.
        let status = CaseStatus(record: record, timescales: Settings.Timescales(), calendar: calendar, today: referral)
        #expect((status.state == .packReleased) == (!row.packs.isEmpty && !row.closed))
    }

    /// Refusals compared by code (messages are for people).
    static func codeOnly(_ verdict: PackPolicy.Verdict) -> PackPolicy.Verdict {
        if case .refuse(let code, _) = verdict { return .refuse(code: code, message: "") }
        return verdict
    }
}

@Suite struct DeadlineAlertTests {
    func status(_ record: CaseRecord, today: LocalDate) -> CaseStatus {
        CaseStatus(record: record, timescales: Settings.Timescales(), calendar: calendar, today: today)
    }

    @Test func raisedOnWorkingDayBoundariesAndOnceEach() {
        // Referred Monday 2 March 2026: returns due 12 March, meeting 19 March, Panel 23 March.
        let record = CaseRecord(ref: ref, referred: referral, agencies: ["police", "health"], latest: ["police": returned(1, index: 5)])
        let march = { LocalDate(year: 2026, month: 3, day: $0)! }
        #expect(DeadlineAlert.due(for: status(record, today: march(12)), calendar: calendar, soon: 2, raised: []).isEmpty)
        // The day after the returns deadline: health is overdue; the meeting is 4 working days away.
        let thirteenth = DeadlineAlert.due(for: status(record, today: march(13)), calendar: calendar, soon: 2, raised: [])
        #expect(thirteenth == [DeadlineAlert(kind: .returnOverdue, caseRef: ref, agencyId: "health", due: march(12))])
        // 17 March: the meeting is 2 working days away.
        let seventeenth = DeadlineAlert.due(for: status(record, today: march(17)), calendar: calendar, soon: 2, raised: Set(thirteenth))
        #expect(seventeenth == [DeadlineAlert(kind: .meetingDueSoon, caseRef: ref, due: march(19))])
        // 19 March: the Panel (23 March) is 2 working days away; nothing raised twice.
        let nineteenth = DeadlineAlert.due(for: status(record, today: march(19)), calendar: calendar, soon: 2,
                                           raised: Set(thirteenth + seventeenth))
        #expect(nineteenth == [DeadlineAlert(kind: .panelDueSoon, caseRef: ref, due: march(23))])
        // A weekend between does not count: on Saturday 21 March, the Panel is 1 working day away.
        #expect(status(record, today: march(21)).workingDaysLeft(.panel, calendar: calendar) == 1)
    }

    /// Issue 12, item 13: a deadline already past is overdue, never "due soon" (which said for
    /// ever that it could still be met); one still ahead is due soon, then overdue once it passes.
    @Test func passedMeetingAndPanelDeadlinesAreOverdueNotDueSoon() {
        let record = CaseRecord(ref: ref, referred: referral, agencies: ["police", "health"], latest: ["police": returned(1, index: 5)])
        let march = { LocalDate(year: 2026, month: 3, day: $0)! }
        // Meeting due 19 March, Panel 23 March. First seen on 1 April: both passed.
        let late = DeadlineAlert.due(for: status(record, today: march(31)), calendar: calendar, soon: 2, raised: [])
        #expect(Set(late) == [DeadlineAlert(kind: .returnOverdue, caseRef: ref, agencyId: "health", due: march(12)),
                              DeadlineAlert(kind: .meetingOverdue, caseRef: ref, due: march(19)),
                              DeadlineAlert(kind: .panelOverdue, caseRef: ref, due: march(23))])
        // Seen in time: due soon on 17 March, overdue on 20 March, and nothing twice.
        let soon = DeadlineAlert.due(for: status(record, today: march(17)), calendar: calendar, soon: 2, raised: [])
        #expect(soon.contains(DeadlineAlert(kind: .meetingDueSoon, caseRef: ref, due: march(19))))
        let after = DeadlineAlert.due(for: status(record, today: march(20)), calendar: calendar, soon: 2, raised: Set(soon))
        #expect(after.contains(DeadlineAlert(kind: .meetingOverdue, caseRef: ref, due: march(19))))
        #expect(!after.contains { $0.kind == .meetingDueSoon })
        // On the deadline day itself it is still due (today), not overdue.
        let onTheDay = DeadlineAlert.due(for: status(record, today: march(19)), calendar: calendar, soon: 2, raised: [])
        #expect(onTheDay.contains(DeadlineAlert(kind: .meetingDueSoon, caseRef: ref, due: march(19))))
    }

    @Test func meetingHeldAndClosedCasesRaiseLess() {
        let march = { LocalDate(year: 2026, month: 3, day: $0)! }
        var record = CaseRecord(ref: ref, referred: referral, agencies: ["police"], latest: ["police": returned(1, index: 5)])
        record.meeting = (march(16), "no-review")
        let alerts = DeadlineAlert.due(for: status(record, today: march(17)), calendar: calendar, soon: 2, raised: [])
        #expect(alerts == [DeadlineAlert(kind: .panelDueSoon, caseRef: ref, due: march(18))])
        record.panelNotified = march(17)
        #expect(DeadlineAlert.due(for: status(record, today: march(30)), calendar: calendar, soon: 2, raised: []).isEmpty)
    }

    @Test func aChangedDueDateCanRaiseAgain() {
        let march = { LocalDate(year: 2026, month: 3, day: $0)! }
        var record = CaseRecord(ref: ref, referred: referral, agencies: ["police"])
        let first = DeadlineAlert.due(for: status(record, today: march(13)), calendar: calendar, soon: 0, raised: [])
        #expect(first.map(\.kind) == [.returnOverdue])
        record.overrides[.returns] = march(16)
        #expect(DeadlineAlert.due(for: status(record, today: march(13)), calendar: calendar, soon: 0, raised: Set(first)).isEmpty)
        let again = DeadlineAlert.due(for: status(record, today: march(17)), calendar: calendar, soon: 0, raised: Set(first))
        #expect(again == [DeadlineAlert(kind: .returnOverdue, caseRef: ref, agencyId: "police", due: march(16))])
    }
}

@Suite struct PackContentTests {
    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test func zipRefusesUnsafeAndDuplicateNames() throws {
        var zip = ZipArchive(modified: UTCInstant(secondsSinceEpoch: 1_772_442_000))
        try zip.add("a/b.txt", [1, 2, 3])
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a\\b", "a\u{0}b", "a/b.txt"] {
            #expect(throws: ZipArchive.Failure.self, "\(bad)") { try zip.add(bad, []) }
        }
        let bytes = zip.finish()
        #expect(Array(bytes.prefix(4)) == [0x50, 0x4b, 0x03, 0x04])
        #expect(Array(bytes.suffix(22).prefix(4)) == [0x50, 0x4b, 0x05, 0x06])
    }

    @Test(arguments: [
        ("../../etc/passwd", 0, "01-_.._etc_passwd"), (".hidden", 1, "02-hidden"), ("report 1.pdf", 9, "10-report_1.pdf"),
        ("", 0, "01-attachment"), ("<script>.html", 2, "03-_script_.html.txt"), ("résumé.doc", 0, "01-r_sum_.doc"),
    ])
    func attachmentNamesStayInTheirFolder(name: String, position: Int, expected: String) throws {
        let attachment = ScopingReturn.Attachment(name: name, mediaType: "application/pdf", data: [1, 2, 3])
        let file = MeetingPack.attachmentFile(attachment, position: position)
        #expect(file == expected)
        #expect(!file.contains("/") && !file.hasPrefix("."))
    }

    /// Issue 12, item 12: no attachment comes out of the pack as active content, and no name
    /// hides its extension behind a right-to-left override.
    @Test(arguments: [
        ("page.html", "application/octet-stream", "01-page.html.txt"),
        ("drawing.SVG", "image/png", "01-drawing.SVG.txt"),
        ("notes.pdf", "text/html; charset=utf-8", "01-notes.pdf.txt"),
        ("report\u{202E}gnp.exe", "image/png", "01-report_gnp.exe.txt"),
        ("minutes.pdf", "application/pdf", "01-minutes.pdf"),
    ])
    func activeAttachmentsOpenAsText(name: String, mediaType: String, expected: String) {
        let attachment = ScopingReturn.Attachment(name: name, mediaType: mediaType, data: [1])
        #expect(MeetingPack.attachmentFile(attachment, position: 0) == expected)
        var document = ScopingReturn(caseRef: ref, agencyId: "police")
        document.attachments = [attachment]
        let input = MeetingPack.Input(
            partnership: "P", status: CaseStatus(record: CaseRecord(ref: ref, referred: referral, agencies: ["police"]),
                                                 timescales: Settings.Timescales(), calendar: calendar, today: referral),
            number: 1, releasedAt: UTCInstant(secondsSinceEpoch: 1_772_442_000), overrideReason: nil, missing: [],
            returns: [MeetingPack.Return(agencyId: "police", record: returned(1, index: 5), content: [], document: document, tlogProof: "")],
            checkpoint: "", calendar: calendar)
        let html = MeetingPackHTML.render(input)
        #expect(!html.unicodeScalars.contains { EscapedName.isDeceptive($0) }, "no bidirectional override reaches the page")
        if name.contains("\u{202E}") { #expect(html.contains("report\\u{202E}gnp.exe")) }
        #expect(html.contains("Could run code if opened") == expected.hasSuffix(".txt"))
    }

    @Test func hostileAgencyTextIsEscaped() {
        let hostile = #"<script>alert(1)</script><img src=x onerror=alert(2)> & "quoted" 'single' </td></tr><a href="javascript:x">"#
        #expect(HTML.escape(hostile) == "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quoted&quot; "
            + "&#39;single&#39; &lt;/td&gt;&lt;/tr&gt;&lt;a href=&quot;javascript:x&quot;&gt;")
        #expect(HTML.escape("bell\u{7}\u{0}") == "bell\u{FFFD}\u{FFFD}")
        let document = ScopingReturn(caseRef: ref, agencyId: "police")
        var hostileReturn = document
        hostileReturn.immediateSafeguardingActions = hostile
        hostileReturn.learning = hostile
        hostileReturn.chronology = [.init(date: referral, event: hostile, practitionerRole: hostile, action: hostile)]
        hostileReturn.attachments = [ScopingReturn.Attachment(name: hostile, mediaType: hostile, data: [1])]
        let input = MeetingPack.Input(
            partnership: hostile, status: CaseStatus(record: CaseRecord(ref: ref, referred: referral, agencies: ["police"]),
                                                     timescales: Settings.Timescales(), calendar: calendar, today: referral),
            number: 1, releasedAt: UTCInstant(secondsSinceEpoch: 1_772_442_000), overrideReason: hostile, missing: ["police"],
            returns: [MeetingPack.Return(agencyId: "police", record: returned(1, index: 5), content: [], document: hostileReturn,
                                         tlogProof: hostile)],
            checkpoint: hostile, calendar: calendar)
        let html = MeetingPackHTML.render(input)
        #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<a href") && !html.contains("onerror=alert(2)>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        // Only our own markup: no script, no external resource.
        #expect(!html.lowercased().contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains(" src=\""))
        #expect(html.contains("@media print"))
    }
}
