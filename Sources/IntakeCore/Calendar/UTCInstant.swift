/// A moment in time, as whole seconds since 1970-01-01T00:00:00Z (POSIX time, no leap
/// seconds) plus nanoseconds. The core never reads a clock: shells pass instants in.
///
/// Its text form is the RFC 3339 §5.6 `date-time` in UTC, as receipts and the ledger carry it:
///
///     partial-time = time-hour ":" time-minute ":" time-second [time-secfrac]
///     time-secfrac = "." 1*DIGIT
///     full-time    = partial-time time-offset      ; here always "Z"
///     date-time    = full-date "T" full-time
///
/// written `2026-11-26T17:58:32Z`, or `2026-11-26T17:58:32.123Z` with milliseconds. The
/// parser accepts exactly those two shapes (upper-case `T` and `Z`, no other offset, no
/// leap second, years 1900...9999), so that one instant written by intake has one spelling.
///
/// `londonDate` is the calendar date in Europe/London, by the rule in force since 1996
/// (The Summer Time Order 2002, implementing Directive 2000/84/EC): British Summer Time,
/// UTC+1, runs "from 1.00 a.m. Greenwich mean time on the last Sunday in March" to
/// "1.00 a.m. Greenwich mean time on the last Sunday in October"; GMT (UTC+0) otherwise.
/// It is applied to every year, without a time-zone database.
public struct UTCInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let secondsSinceEpoch: Int64
    /// 0..<1_000_000_000.
    public let nanoseconds: Int32

    public init(secondsSinceEpoch: Int64, nanoseconds: Int32 = 0) {
        precondition((0..<1_000_000_000).contains(nanoseconds), "nanoseconds out of range")
        self.secondsSinceEpoch = secondsSinceEpoch
        self.nanoseconds = nanoseconds
    }

    /// Midnight UTC at the start of `date`, plus the given time of day.
    public init(date: LocalDate, hour: Int = 0, minute: Int = 0, second: Int = 0, nanoseconds: Int32 = 0) {
        let seconds = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second
        self.init(secondsSinceEpoch: Int64(seconds), nanoseconds: nanoseconds)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.sssZ` strictly.
    public init?(rfc3339 text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 20 || utf8.count == 24,
              let date = LocalDate(String(decoding: utf8[0..<10], as: UTF8.self)),
              utf8[10] == UInt8(ascii: "T"), utf8[13] == UInt8(ascii: ":"), utf8[16] == UInt8(ascii: ":"),
              utf8[utf8.count - 1] == UInt8(ascii: "Z"),
              let hour = UTCInstant.digits(utf8[11..<13]), hour < 24,
              let minute = UTCInstant.digits(utf8[14..<16]), minute < 60,
              let second = UTCInstant.digits(utf8[17..<19]), second < 60
        else { return nil }
        var millis = 0
        if utf8.count == 24 {
            guard utf8[19] == UInt8(ascii: "."), let value = UTCInstant.digits(utf8[20..<23]) else { return nil }
            millis = value
        }
        self.init(date: date, hour: hour, minute: minute, second: second, nanoseconds: Int32(millis * 1_000_000))
    }

    /// Whole milliseconds since the epoch (rounded down).
    public var millisecondsSinceEpoch: Int64 {
        secondsSinceEpoch * 1000 + Int64(nanoseconds / 1_000_000)
    }

    /// `2026-11-26T17:58:32Z`: seconds precision, the fraction dropped.
    public var rfc3339: String { rfc3339(milliseconds: false) }

    /// The RFC 3339 UTC form; with `milliseconds`, `.sss` before the `Z` (rounded down).
    public func rfc3339(milliseconds: Bool) -> String {
        let (days, secondOfDay) = splitDays()
        let date = LocalDate(daysSinceEpoch: days)
        var text = date.description + "T" + LocalDate.pad(secondOfDay / 3600, 2) + ":"
            + LocalDate.pad(secondOfDay / 60 % 60, 2) + ":" + LocalDate.pad(secondOfDay % 60, 2)
        if milliseconds {
            text += "." + LocalDate.pad(Int(nanoseconds) / 1_000_000, 3)
        }
        return text + "Z"
    }

    public var description: String { rfc3339(milliseconds: nanoseconds != 0) }

    /// The calendar date in UTC.
    public var utcDate: LocalDate {
        LocalDate(daysSinceEpoch: splitDays().days)
    }

    /// True while British Summer Time (UTC+1) is in force in Europe/London.
    public var isBritishSummerTime: Bool {
        let year = utcDate.year
        return UTCInstant.summerTimeStart(year: year) <= self && self < UTCInstant.summerTimeEnd(year: year)
    }

    /// The offset of Europe/London from UTC at this instant, in seconds: 0 or 3600.
    public var londonOffsetSeconds: Int { isBritishSummerTime ? 3600 : 0 }

    /// The calendar date in Europe/London (GMT, or BST = UTC+1 in summer).
    public var londonDate: LocalDate {
        let seconds = Int(secondsSinceEpoch) + londonOffsetSeconds
        return LocalDate(daysSinceEpoch: UTCInstant.floorDivide(seconds, 86_400))
    }

    /// 01:00 UTC on the last Sunday of March: clocks go forward.
    public static func summerTimeStart(year: Int) -> UTCInstant {
        UTCInstant(date: LocalDate.last(weekday: 7, ofMonth: 3, year: year), hour: 1)
    }

    /// 01:00 UTC on the last Sunday of October: clocks go back.
    public static func summerTimeEnd(year: Int) -> UTCInstant {
        UTCInstant(date: LocalDate.last(weekday: 7, ofMonth: 10, year: year), hour: 1)
    }

    public static func < (lhs: UTCInstant, rhs: UTCInstant) -> Bool {
        (lhs.secondsSinceEpoch, lhs.nanoseconds) < (rhs.secondsSinceEpoch, rhs.nanoseconds)
    }

    private func splitDays() -> (days: Int, secondOfDay: Int) {
        let seconds = Int(secondsSinceEpoch)
        let days = UTCInstant.floorDivide(seconds, 86_400)
        return (days, seconds - days * 86_400)
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}
