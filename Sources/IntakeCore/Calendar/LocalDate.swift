/// A calendar date in the proleptic Gregorian calendar, with no time of day and no zone:
/// a referral date, a deadline, a meeting date. Its text form is the ISO 8601 / RFC 3339
/// `full-date`:
///
///     date-fullyear   = 4DIGIT
///     date-month      = 2DIGIT  ; 01-12
///     date-mday       = 2DIGIT  ; 01-28, 01-29, 01-30, 01-31 based on month/year
///     full-date       = date-fullyear "-" date-month "-" date-mday
///
/// (RFC 3339 §5.6). The parser is strict: exactly that shape, a real calendar date, and a
/// year in 1900...9999, so that one date has one spelling.
///
/// Arithmetic goes through a day count since 1970-01-01 using Howard Hinnant's
/// `days_from_civil` and `civil_from_days` ("chrono-Compatible Low-Level Date Algorithms"):
/// the year is shifted to start on 1 March so that the leap day falls at its end, and is
/// split into 400-year eras of 146 097 days. Day 0 (1970-01-01) was a Thursday.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    /// 1...12.
    public let month: Int
    /// 1...(days in the month).
    public let day: Int

    /// The years the text form accepts.
    public static let parsableYears: ClosedRange<Int> = 1900...9999

    /// The date, when `month` and `day` name a real day of `year` (any year; the text form
    /// is limited to `parsableYears`).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysInMonth(year: year, month: month) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` strictly: ten ASCII characters, zero-padded fields, a real date,
    /// a year in 1900...9999. Nothing before or after.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"),
              let year = LocalDate.digits(utf8[0..<4]),
              let month = LocalDate.digits(utf8[5..<7]),
              let day = LocalDate.digits(utf8[8..<10]),
              LocalDate.parsableYears.contains(year)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The date `days` days after 1970-01-01 (negative: before it).
    public init(daysSinceEpoch days: Int) {
        // civil_from_days
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097                                          // [0, 146096]
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365    // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)                    // [0, 365]
        let mp = (5 * doy + 2) / 153                                         // [0, 11], March = 0
        let day = doy - (153 * mp + 2) / 5 + 1                               // [1, 31]
        let month = mp < 10 ? mp + 3 : mp - 9                                // [1, 12]
        self.year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int {
        // days_from_civil
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400                                              // [0, 399]
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1 // [0, 365]
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy                      // [0, 146096]
        return era * 146_097 + doe - 719_468
    }

    /// ISO 8601 weekday: 1 = Monday ... 7 = Sunday.
    public var weekday: Int {
        let z = daysSinceEpoch
        return ((z + 3) % 7 + 7) % 7 + 1
    }

    /// True on Saturday and Sunday.
    public var isWeekend: Bool { weekday >= 6 }

    /// The date `days` calendar days later (earlier when negative).
    public func adding(days: Int) -> LocalDate {
        days == 0 ? self : LocalDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// Calendar days from `self` to `other`: positive when `other` is later.
    public func days(to other: LocalDate) -> Int {
        other.daysSinceEpoch - daysSinceEpoch
    }

    /// `YYYY-MM-DD`, zero-padded.
    public var description: String {
        LocalDate.pad(year, 4) + "-" + LocalDate.pad(month, 2) + "-" + LocalDate.pad(day, 2)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Gregorian leap years: divisible by 4, except centuries not divisible by 400.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The last `weekday` (ISO, 1 = Monday ... 7 = Sunday) of `month` (1...12) in `year`.
    public static func last(weekday: Int, ofMonth month: Int, year: Int) -> LocalDate {
        precondition((1...12).contains(month) && (1...7).contains(weekday))
        let lastDay = LocalDate(unchecked: year, month, daysInMonth(year: year, month: month))
        let back = ((lastDay.weekday - weekday) % 7 + 7) % 7
        return lastDay.adding(days: -back)
    }

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
