/// The deadline sweeper's policy (DESIGN §2, issue 5): which alerts a case calls for today.
/// Each alert is raised once per (case, kind, agency, due date): a changed due date can raise
/// it again. Pure: `today` is passed in.
///
/// - `return-overdue`: an expected agency's latest return is not complete and today is past
///   the returns deadline (one per agency);
/// - `meeting-due-soon`: no meeting recorded and the meeting deadline is `soon` working days
///   away or fewer, and not yet past;
/// - `meeting-overdue`: no meeting recorded and the meeting deadline has passed;
/// - `panel-due-soon`: the Panel not notified and its deadline is `soon` working days away or
///   fewer, and not yet past;
/// - `panel-overdue`: the Panel not notified and its deadline has passed.
///
/// A deadline already past when first seen (a home started after a long stop) raises only its
/// `-overdue` alert, never a `-due-soon` one that would say it can still be met.
///
/// A closed case (Panel notified) raises nothing.
public struct DeadlineAlert: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case returnOverdue = "return-overdue"
        case meetingDueSoon = "meeting-due-soon"
        case meetingOverdue = "meeting-overdue"
        case panelDueSoon = "panel-due-soon"
        case panelOverdue = "panel-overdue"

        public var eventKind: LedgerEvent.Kind {
            switch self {
            case .returnOverdue: .returnOverdue
            case .meetingDueSoon: .meetingDueSoon
            case .meetingOverdue: .meetingOverdue
            case .panelDueSoon: .panelDueSoon
            case .panelOverdue: .panelOverdue
            }
        }
    }

    public var kind: Kind
    public var caseRef: String
    /// For `return-overdue`, the agency.
    public var agencyId: String?
    public var due: LocalDate

    public init(kind: Kind, caseRef: String, agencyId: String? = nil, due: LocalDate) {
        self.kind = kind
        self.caseRef = caseRef
        self.agencyId = agencyId
        self.due = due
    }

    /// The alerts `status` calls for, less those in `raised`.
    public static func due(for status: CaseStatus, calendar: WorkingCalendar, soon: Int, raised: Set<DeadlineAlert>) -> [DeadlineAlert] {
        guard status.panelNotified == nil else { return [] }
        var alerts: [DeadlineAlert] = []
        for agency in status.agencies where agency.overdue {
            alerts.append(DeadlineAlert(kind: .returnOverdue, caseRef: status.caseRef, agencyId: agency.agencyId,
                                        due: status.deadlines.returns))
        }
        /// `overdue` once the milestone's deadline has passed, `dueSoon` within `soon` working days of it.
        func milestone(_ milestone: Milestone, overdue: Kind, dueSoon: Kind) {
            let left = status.workingDaysLeft(milestone, calendar: calendar)
            guard left <= soon else { return }
            alerts.append(DeadlineAlert(kind: left < 0 ? overdue : dueSoon, caseRef: status.caseRef, due: status.deadlines[milestone]))
        }
        if status.meeting == nil { milestone(.meeting, overdue: .meetingOverdue, dueSoon: .meetingDueSoon) }
        milestone(.panel, overdue: .panelOverdue, dueSoon: .panelDueSoon)
        return alerts.filter { !raised.contains($0) }
    }
}
