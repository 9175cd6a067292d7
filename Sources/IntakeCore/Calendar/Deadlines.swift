/// The milestones of a Rapid Review whose due dates intake tracks (DESIGN §2).
public enum Milestone: String, CaseIterable, Sendable {
    /// Scoping and information-sharing requests sent to agencies.
    case requests
    /// Agency returns due.
    case returns
    /// The Rapid Review meeting held.
    case meeting
    /// The national Panel notified.
    case panel
}

/// A case's due dates, from DESIGN §2:
///
/// > Day 0 is the referral date; "+N" is the Nth working day after it, whatever day the
/// > referral fell on.
/// >
/// > | milestone | default due |
/// > |---|---|
/// > | scoping requests sent to agencies | referral +2 |
/// > | agency returns due | referral +8 |
/// > | rapid review meeting held | referral +13 |
/// > | Panel notified | referral +15, and meeting +2, whichever is earlier |
///
/// The timescales are the partnership's or the case's (`Settings.Timescales`); the "meeting
/// +2" rule applies once a meeting has been recorded, counted from the day it was held. An
/// override (a date set by an admin for one case) replaces the computed date of its
/// milestone and nothing else.
public struct Deadlines: Sendable, Equatable {
    public var requests: LocalDate
    public var returns: LocalDate
    public var meeting: LocalDate
    public var panel: LocalDate

    public init(requests: LocalDate, returns: LocalDate, meeting: LocalDate, panel: LocalDate) {
        self.requests = requests
        self.returns = returns
        self.meeting = meeting
        self.panel = panel
    }

    public subscript(milestone: Milestone) -> LocalDate {
        switch milestone {
        case .requests: requests
        case .returns: returns
        case .meeting: meeting
        case .panel: panel
        }
    }

    /// The due dates of a case referred on `referred`.
    public static func compute(
        referred: LocalDate, timescales: Settings.Timescales, calendar: WorkingCalendar,
        meetingHeld: LocalDate? = nil, overrides: [Milestone: LocalDate] = [:]
    ) -> Deadlines {
        func due(_ workingDays: Int) -> LocalDate {
            calendar.adding(workingDays: workingDays, to: referred)
        }
        var panel = due(timescales.panel)
        if let meetingHeld {
            panel = min(panel, calendar.adding(workingDays: timescales.panelAfterMeeting, to: meetingHeld))
        }
        return Deadlines(
            requests: overrides[.requests] ?? due(timescales.requests),
            returns: overrides[.returns] ?? due(timescales.returns),
            meeting: overrides[.meeting] ?? due(timescales.meeting),
            panel: overrides[.panel] ?? panel)
    }
}
