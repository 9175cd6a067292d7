/// Working days, as DESIGN §2 defines them: "Working days are Monday–Friday excluding
/// England and Wales bank holidays … Day 0 is the referral date; "+N" is the Nth working day
/// after it, whatever day the referral fell on (a referral on a Saturday or a bank holiday
/// has its +1 on the next working day)."
///
/// Outside the years its bank holidays cover, the calendar still counts Monday–Friday, but
/// cannot know that year's holidays: `covers(_:)` tells callers when to warn.
public struct WorkingCalendar: Sendable, Equatable {
    public let holidays: BankHolidays

    public init(holidays: BankHolidays) {
        self.holidays = holidays
    }

    /// The years whose bank holidays are known.
    public var coveredYears: ClosedRange<Int> { holidays.covers }

    /// True when `date`'s year is one whose bank holidays are known.
    public func covers(_ date: LocalDate) -> Bool { holidays.covers.contains(date.year) }

    /// True when every date in `range` is in a year whose bank holidays are known.
    public func covers(_ range: ClosedRange<LocalDate>) -> Bool {
        covers(range.lowerBound) && covers(range.upperBound)
    }

    public func isBankHoliday(_ date: LocalDate) -> Bool { holidays.contains(date) }

    /// Monday–Friday and not a bank holiday.
    public func isWorkingDay(_ date: LocalDate) -> Bool {
        !date.isWeekend && !holidays.contains(date)
    }

    /// The `n`th working day after `date` (n > 0), whatever day `date` is; `date` itself for
    /// n = 0; the |n|th working day before `date` for n < 0.
    public func adding(workingDays n: Int, to date: LocalDate) -> LocalDate {
        let step = n < 0 ? -1 : 1
        var remaining = n.magnitude
        var day = date
        while remaining > 0 {
            day = day.adding(days: step)
            if isWorkingDay(day) { remaining -= 1 }
        }
        return day
    }

    /// The number of working days after `from` up to and including `to`; when `to` is
    /// before `from`, minus the number after `to` up to and including `from`. So
    /// `workingDays(from: a, to: b) == -workingDays(from: b, to: a)`, and
    /// `workingDays(from: d, to: adding(workingDays: n, to: d)) == n` for n ≥ 0.
    public func workingDays(from: LocalDate, to: LocalDate) -> Int {
        if to < from { return -workingDays(from: to, to: from) }
        let start = from.daysSinceEpoch, end = to.daysSinceEpoch
        let weekdays = WorkingCalendar.weekdaysBefore(end + 1) - WorkingCalendar.weekdaysBefore(start + 1)
        let holidaysInside = holidays.dates.count(where: { date in
            let z = date.daysSinceEpoch
            return z > start && z <= end && !date.isWeekend
        })
        return weekdays - holidaysInside
    }

    /// A running count of Monday–Friday days: `weekdaysBefore(b) - weekdaysBefore(a)` is the
    /// number of them among day numbers a..<b. Day u = z + 3 is a multiple of 7 on Mondays.
    private static func weekdaysBefore(_ z: Int) -> Int {
        let u = z + 3
        var q = u / 7, r = u % 7
        if r < 0 { q -= 1; r += 7 }
        return q * 5 + min(r, 5)
    }
}
