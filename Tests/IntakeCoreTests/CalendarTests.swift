import Testing
@testable import IntakeCore

/// A date from a literal the test knows is valid.
private func day(_ text: String) -> LocalDate {
    guard let date = LocalDate(text) else { preconditionFailure("bad test date \(text)") }
    return date
}

private func instant(_ text: String) -> UTCInstant {
    guard let value = UTCInstant(rfc3339: text) else { preconditionFailure("bad test instant \(text)") }
    return value
}

private let englandAndWales = WorkingCalendar(holidays: .embedded(division: .englandAndWales))

@Suite struct CalendarTests {
    // MARK: LocalDate

    @Test(arguments: [
        ("1970-01-01", 0, 4), ("1969-12-31", -1, 3), ("2000-03-01", 11_017, 3), ("2000-02-29", 11_016, 2),
        ("1900-01-01", -25_567, 1), ("9999-12-31", 2_932_896, 5), ("2026-11-26", 20_783, 4),
        ("2026-12-18", 20_805, 5), ("2026-12-19", 20_806, 6), ("2026-12-20", 20_807, 7),
    ])
    func daysSinceEpochAndWeekday(text: String, days: Int, weekday: Int) throws {
        let date = try #require(LocalDate(text))
        #expect(date.daysSinceEpoch == days)
        #expect(date.weekday == weekday)
        #expect(LocalDate(daysSinceEpoch: days) == date)
        #expect(date.description == text)
    }

    /// Walks every day from 1900 to 2400 by plain calendar rules and checks the day count,
    /// the inverse, the weekday cycle, the order and the text form against it.
    @Test func everyDayAgainstNaiveWalk() {
        var year = 1900, month = 1, dayOfMonth = 1
        var z = -25_567, weekday = 1
        var previous: LocalDate?
        while year <= 2400 {
            let date = LocalDate(daysSinceEpoch: z)
            #expect(date.year == year && date.month == month && date.day == dayOfMonth)
            #expect(date.daysSinceEpoch == z)
            #expect(date.weekday == weekday)
            if let previous { #expect(previous < date && previous.days(to: date) == 1) }
            if year <= 9999, dayOfMonth == 1 || dayOfMonth >= 28 {
                #expect(LocalDate(date.description) == date)
            }
            previous = date
            z += 1
            weekday = weekday % 7 + 1
            let monthLength = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
                + (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 1 : 0)
            dayOfMonth += 1
            if dayOfMonth > monthLength { dayOfMonth = 1; month += 1 }
            if month > 12 { month = 1; year += 1 }
        }
    }

    @Test(arguments: ["2024-02-29", "2000-02-29", "1900-01-01", "9999-12-31", "2026-04-30", "2026-12-31"])
    func parsesRealDates(text: String) {
        #expect(LocalDate(text)?.description == text)
    }

    @Test(arguments: [
        "2026-02-29", "1900-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-01-00", "2026-04-31",
        "2026-01-32", "2026-1-1", "2026-01-1", "26-01-01", "2026-01-01 ", " 2026-01-01", "2026-01-01T",
        "2026-01-01T00:00:00Z", "2026/01/01", "20260101", "2026-01-1a", "+026-01-01", "-026-01-01",
        "1899-12-31", "10000-01-01", "", "２０２６-01-01", "2026‐01‐01",
    ])
    func rejectsOtherText(text: String) {
        #expect(LocalDate(text) == nil)
    }

    @Test func memberwiseValidation() {
        #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2028, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2026, month: 0, day: 1) == nil)
        #expect(LocalDate(year: 2026, month: 12, day: 32) == nil)
    }

    @Test func calendarArithmetic() {
        #expect(day("2026-12-31").adding(days: 1) == day("2027-01-01"))
        #expect(day("2028-03-01").adding(days: -1) == day("2028-02-29"))
        #expect(day("2026-01-01").adding(days: 365) == day("2027-01-01"))
        #expect(day("2026-01-01").days(to: day("2027-01-01")) == 365)
        #expect(day("2028-01-01").days(to: day("2029-01-01")) == 366)
        #expect(day("2027-01-13").days(to: day("2026-12-18")) == -26)
        #expect(day("2026-12-18") < day("2027-01-01"))
        #expect(day("2026-12-18") < day("2026-12-19"))
        #expect(!(day("2026-12-18") < day("2026-12-18")))
        #expect(LocalDate.last(weekday: 7, ofMonth: 3, year: 2026) == day("2026-03-29"))
        #expect(LocalDate.last(weekday: 1, ofMonth: 8, year: 2026) == day("2026-08-31"))
        #expect(LocalDate.last(weekday: 5, ofMonth: 2, year: 2028) == day("2028-02-25"))
    }

    // MARK: UTCInstant

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (1_000_000_000, "2001-09-09T01:46:40Z"),
        (1_795_715_912, "2026-11-26T17:58:32Z"), (1_800_000_000, "2027-01-15T08:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"), (-2_208_988_800, "1900-01-01T00:00:00Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
    ])
    func rfc3339KnownAnswers(seconds: Int64, text: String) {
        let value = UTCInstant(secondsSinceEpoch: seconds)
        #expect(value.rfc3339 == text)
        #expect(UTCInstant(rfc3339: text) == value)
    }

    @Test func milliseconds() {
        let value = UTCInstant(secondsSinceEpoch: 1_795_715_912, nanoseconds: 123_999_999)
        #expect(value.rfc3339 == "2026-11-26T17:58:32Z")
        #expect(value.rfc3339(milliseconds: true) == "2026-11-26T17:58:32.123Z")
        #expect(value.millisecondsSinceEpoch == 1_795_715_912_123)
        #expect(value.description == "2026-11-26T17:58:32.123Z")
        #expect(UTCInstant(secondsSinceEpoch: 5).rfc3339(milliseconds: true) == "1970-01-01T00:00:05.000Z")
        #expect(UTCInstant(rfc3339: "2026-11-26T17:58:32.123Z") == UTCInstant(secondsSinceEpoch: 1_795_715_912, nanoseconds: 123_000_000))
        #expect(UTCInstant(rfc3339: "1969-12-31T23:59:59.500Z") == UTCInstant(secondsSinceEpoch: -1, nanoseconds: 500_000_000))
        #expect(UTCInstant(secondsSinceEpoch: -1, nanoseconds: 500_000_000).rfc3339(milliseconds: true) == "1969-12-31T23:59:59.500Z")
        #expect(UTCInstant(secondsSinceEpoch: 1, nanoseconds: 0) < UTCInstant(secondsSinceEpoch: 1, nanoseconds: 1))
        #expect(UTCInstant(secondsSinceEpoch: 0, nanoseconds: 999_999_999) < UTCInstant(secondsSinceEpoch: 1))
    }

    @Test(arguments: [
        "2026-11-26t17:58:32Z", "2026-11-26T17:58:32z", "2026-11-26 17:58:32Z", "2026-11-26T17:58:32+00:00",
        "2026-11-26T17:58:32", "2026-11-26T24:00:00Z", "2026-11-26T17:60:00Z", "2026-11-26T17:58:60Z",
        "2026-11-26T17:58:32.1Z", "2026-11-26T17:58:32.1234Z", "2026-11-26T17:58:32,123Z", "2026-11-26T17:58:32.12aZ",
        "2026-02-29T00:00:00Z", "2026-11-26T7:58:32Z", "2026-11-26T17:58:32Z ", "2026-11-26", "",
    ])
    func rfc3339Rejections(text: String) {
        #expect(UTCInstant(rfc3339: text) == nil)
    }

    /// Europe/London dates around midnight and the clock changes (checked against tzdata).
    @Test(arguments: [
        ("2026-03-28T23:30:00Z", "2026-03-28", false), ("2026-03-29T00:59:59Z", "2026-03-29", false),
        ("2026-03-29T01:00:00Z", "2026-03-29", true), ("2026-03-29T23:30:00Z", "2026-03-30", true),
        ("2026-06-30T22:59:59Z", "2026-06-30", true), ("2026-06-30T23:00:00Z", "2026-07-01", true),
        ("2026-10-24T23:30:00Z", "2026-10-25", true), ("2026-10-25T00:59:59Z", "2026-10-25", true),
        ("2026-10-25T01:00:00Z", "2026-10-25", false), ("2026-10-25T23:30:00Z", "2026-10-25", false),
        ("2026-12-31T23:30:00Z", "2026-12-31", false), ("2027-01-01T00:00:00Z", "2027-01-01", false),
        ("2027-10-30T23:00:00Z", "2027-10-31", true), ("2027-10-31T00:30:00Z", "2027-10-31", true),
        ("2024-03-30T23:59:59Z", "2024-03-30", false), ("2024-03-31T00:00:00Z", "2024-03-31", false),
        ("2026-11-26T17:58:32Z", "2026-11-26", false),
    ])
    func londonDate(utc: String, london: String, summer: Bool) {
        let value = instant(utc)
        #expect(value.londonDate == day(london))
        #expect(value.isBritishSummerTime == summer)
        #expect(value.londonOffsetSeconds == (summer ? 3600 : 0))
    }

    @Test(arguments: [
        (2019, "2019-03-31", "2019-10-27"), (2020, "2020-03-29", "2020-10-25"), (2021, "2021-03-28", "2021-10-31"),
        (2022, "2022-03-27", "2022-10-30"), (2023, "2023-03-26", "2023-10-29"), (2024, "2024-03-31", "2024-10-27"),
        (2025, "2025-03-30", "2025-10-26"), (2026, "2026-03-29", "2026-10-25"), (2027, "2027-03-28", "2027-10-31"),
        (2028, "2028-03-26", "2028-10-29"), (2029, "2029-03-25", "2029-10-28"),
    ])
    func summerTimeChanges(year: Int, start: String, end: String) {
        #expect(UTCInstant.summerTimeStart(year: year).rfc3339 == start + "T01:00:00Z")
        #expect(UTCInstant.summerTimeEnd(year: year).rfc3339 == end + "T01:00:00Z")
    }

    // MARK: Bank holidays

    /// England and Wales, 2019–2028, as announced (substitute days, VE day, the Platinum
    /// Jubilee, the State Funeral of Queen Elizabeth II, the coronation of King Charles III).
    static let englandAndWalesHolidays: [Int: [String]] = [
        2019: ["01-01", "04-19", "04-22", "05-06", "05-27", "08-26", "12-25", "12-26"],
        2020: ["01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"],
        2021: ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"],
        2022: ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26", "12-27"],
        2023: ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"],
        2024: ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"],
        2025: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
        2026: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
        2027: ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
        2028: ["01-03", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"],
    ]

    @Test(arguments: 2019...2028)
    func embeddedEnglandAndWales(year: Int) throws {
        let holidays = BankHolidays.embedded(division: .englandAndWales)
        let expected = Set(try #require(Self.englandAndWalesHolidays[year]).map { day("\(year)-\($0)") })
        #expect(Set(holidays.dates.filter { $0.year == year }) == expected)
        #expect(expected.allSatisfy { !$0.isWeekend })
    }

    @Test func embeddedFileIsTheSharedCopy() {
        #expect(SHA256.hex(Array(EmbeddedBankHolidays.govUKJSON.utf8)) == EmbeddedBankHolidays.sha256)
        #expect(EmbeddedBankHolidays.sha256 == "14ee9ec748e647ac05fc58ccb5f31574f670d4d732198cc112108e31c2cebd85")
        #expect(EmbeddedBankHolidays.govUKJSON.utf8.count == 31_331)
        let holidays = BankHolidays.embedded()
        #expect(holidays.covers == 2019...2028)
        #expect(holidays.dates.count == 83)
        #expect(EmbeddedBankHolidays.years == holidays.covers)
    }

    /// The same dates derived from the Banking and Financial Dealings Act 1971 rules and
    /// the one-off proclamations: an independent check on the table and the file.
    @Test func englandAndWalesFollowsTheRules() {
        var derived = Set<LocalDate>()
        for year in 2019...2028 {
            derived.insert(Self.substitute(day("\(year)-01-01")))
            let easter = Self.easterSunday(year)
            derived.insert(easter.adding(days: -2))
            derived.insert(easter.adding(days: 1))
            derived.insert(Self.firstMonday(year, 5))
            derived.insert(LocalDate.last(weekday: 1, ofMonth: 5, year: year))
            derived.insert(LocalDate.last(weekday: 1, ofMonth: 8, year: year))
            let christmas = day("\(year)-12-25")
            switch christmas.weekday {
            case 5: derived.formUnion([christmas, day("\(year)-12-28")])                     // Fri: Boxing Day on Mon
            case 6: derived.formUnion([day("\(year)-12-27"), day("\(year)-12-28")])          // Sat: Mon and Tue
            case 7: derived.formUnion([day("\(year)-12-26"), day("\(year)-12-27")])          // Sun: Boxing Day Mon, then Tue
            default: derived.formUnion([christmas, christmas.adding(days: 1)])
            }
        }
        // Proclamations: VE Day 75 moved the early May holiday; the Platinum Jubilee moved the
        // spring holiday and added a day; the State Funeral; the Coronation.
        derived.remove(day("2020-05-04")); derived.insert(day("2020-05-08"))
        derived.remove(day("2022-05-30")); derived.formUnion([day("2022-06-02"), day("2022-06-03")])
        derived.insert(day("2022-09-19"))
        derived.insert(day("2023-05-08"))
        #expect(BankHolidays.embedded().dates == derived)
    }

    @Test func otherDivisions() {
        let scotland = BankHolidays.embedded(division: .scotland)
        let northernIreland = BankHolidays.embedded(division: .northernIreland)
        #expect(scotland.covers == 2019...2028 && northernIreland.covers == 2019...2028)
        #expect(scotland.dates.count == 94 && northernIreland.dates.count == 103)
        #expect(scotland.contains(day("2026-01-02")) && !BankHolidays.embedded().contains(day("2026-01-02")))
        #expect(scotland.contains(day("2026-11-30")))                 // St Andrew's Day
        #expect(northernIreland.contains(day("2026-03-17")))          // St Patrick's Day
        #expect(northernIreland.contains(day("2026-07-13")))          // Battle of the Boyne, substitute
    }

    @Test func parsesBytesOfAGovUKFile() throws {
        let holidays = try BankHolidays.parse(bytes: Array(EmbeddedBankHolidays.govUKJSON.utf8), division: .englandAndWales)
        #expect(holidays == BankHolidays.embedded())
    }

    private static func event(_ date: String, title: String = "Bank holiday") -> JSONValue {
        .object(["title": .string(title), "date": .string(date), "notes": .string(""), "bunting": .bool(true)])
    }

    private static func file(_ events: [JSONValue], division: String = "england-and-wales") -> JSONValue {
        .object(["england-and-wales": .object(["division": .string(division), "events": .array(events)])])
    }

    @Test func parsesHandBuiltDocument() throws {
        let holidays = try BankHolidays.parse(
            Self.file([Self.event("2030-12-25"), Self.event("2029-01-01"), Self.event("2030-01-01"), Self.event("2030-01-01")]),
            division: .englandAndWales)
        #expect(holidays.covers == 2029...2030)
        #expect(holidays.dates == [day("2029-01-01"), day("2030-01-01"), day("2030-12-25")])
    }

    @Test(arguments: [
        (JSONValue.array([]), BankHolidays.Division.englandAndWales, "not-an-object"),
        (file([event("2026-01-01")]), .scotland, "division-missing"),
        (file([event("2026-01-01")], division: "scotland"), .englandAndWales, "division-mismatch"),
        (.object(["england-and-wales": .object(["division": .string("england-and-wales")])]), .englandAndWales, "events-missing"),
        (.object(["england-and-wales": .string("x")]), .englandAndWales, "division-missing"),
        (file([.string("2026-01-01")]), .englandAndWales, "bad-event"),
        (file([.object(["title": .string("x")])]), .englandAndWales, "bad-event"),
        (file([.object(["date": .string("2026-01-01")])]), .englandAndWales, "bad-event"),
        (file([event("2026-02-29")]), .englandAndWales, "bad-date"),
        (file([event("01/01/2026")]), .englandAndWales, "bad-date"),
        (file([]), .englandAndWales, "no-events"),
        (file([event("2026-01-01"), event("2028-01-03")]), .englandAndWales, "missing-year"),
    ])
    func refusesMalformedFiles(document: JSONValue, division: BankHolidays.Division, code: String) {
        let error = #expect(throws: BankHolidaysError.self) { try BankHolidays.parse(document, division: division) }
        #expect(error?.code == code)
    }

    @Test func refusesNonJSON() {
        let error = #expect(throws: BankHolidaysError.self) {
            try BankHolidays.parse(bytes: Array("{\"england-and-wales\": ".utf8), division: .englandAndWales)
        }
        #expect(error?.code == "not-json")
    }

    // MARK: Working days

    @Test(arguments: [
        ("2026-12-18", true), ("2026-12-19", false), ("2026-12-20", false), ("2026-12-24", true),
        ("2026-12-25", false), ("2026-12-28", false), ("2026-12-29", true), ("2027-01-01", false),
        ("2027-03-26", false), ("2027-03-29", false), ("2022-09-19", false), ("2023-05-08", false),
        ("2020-05-04", true), ("2022-05-30", true), ("2029-01-01", true),
    ])
    func workingDays(date: String, working: Bool) {
        #expect(englandAndWales.isWorkingDay(day(date)) == working)
    }

    /// (start, n, the nth working day after start): Christmas and New Year, Easter, year
    /// ends, weekends, referrals on a Saturday, a Sunday or a bank holiday, and backwards.
    @Test(arguments: [
        ("2026-12-18", 0, "2026-12-18"), ("2026-12-18", 1, "2026-12-21"), ("2026-12-18", 2, "2026-12-22"),
        ("2026-12-18", 4, "2026-12-24"), ("2026-12-18", 5, "2026-12-29"), ("2026-12-18", 8, "2027-01-04"),
        ("2026-12-18", 13, "2027-01-11"), ("2026-12-18", 15, "2027-01-13"),
        ("2026-12-19", 0, "2026-12-19"), ("2026-12-19", 1, "2026-12-21"), ("2026-12-19", 2, "2026-12-22"),
        ("2026-12-20", 1, "2026-12-21"),
        ("2026-12-25", 0, "2026-12-25"), ("2026-12-25", 1, "2026-12-29"),
        ("2026-12-24", 1, "2026-12-29"), ("2026-12-24", 2, "2026-12-30"), ("2026-12-24", 3, "2026-12-31"),
        ("2026-12-31", 1, "2027-01-04"), ("2025-12-31", 1, "2026-01-02"), ("2025-12-31", 2, "2026-01-05"),
        ("2021-12-24", 1, "2021-12-29"), ("2021-12-24", 3, "2021-12-31"), ("2021-12-24", 5, "2022-01-05"),
        ("2022-12-23", 1, "2022-12-28"), ("2022-12-23", 2, "2022-12-29"),
        ("2027-03-25", 1, "2027-03-30"), ("2027-03-25", 2, "2027-03-31"), ("2027-03-26", 1, "2027-03-30"),
        ("2027-03-27", 1, "2027-03-30"),
        ("2022-06-01", 1, "2022-06-06"), ("2022-09-16", 1, "2022-09-20"), ("2020-05-07", 1, "2020-05-11"),
        ("2023-05-05", 1, "2023-05-09"),
        ("2026-01-02", -1, "2025-12-31"), ("2026-01-02", -2, "2025-12-30"), ("2026-12-29", -1, "2026-12-24"),
        ("2026-12-29", -3, "2026-12-22"), ("2027-03-30", -1, "2027-03-25"), ("2026-12-20", -1, "2026-12-18"),
    ])
    func addingWorkingDays(start: String, n: Int, expected: String) {
        #expect(englandAndWales.adding(workingDays: n, to: day(start)) == day(expected))
    }

    @Test func countingWorkingDays() {
        let calendar = englandAndWales
        #expect(calendar.workingDays(from: day("2026-12-18"), to: day("2027-01-13")) == 15)
        #expect(calendar.workingDays(from: day("2027-01-13"), to: day("2026-12-18")) == -15)
        #expect(calendar.workingDays(from: day("2026-12-18"), to: day("2026-12-18")) == 0)
        #expect(calendar.workingDays(from: day("2026-12-24"), to: day("2026-12-28")) == 0)
        #expect(calendar.workingDays(from: day("2026-12-18"), to: day("2026-12-19")) == 0)
        #expect(calendar.workingDays(from: day("2026-12-19"), to: day("2026-12-21")) == 1)
        // 2026: 261 weekdays, 8 of the holidays on weekdays.
        #expect(calendar.workingDays(from: day("2025-12-31"), to: day("2026-12-31")) == 253)
    }

    /// The closed form agrees with counting day by day, and inverts `adding(workingDays:)`.
    @Test func countingAgreesWithStepping() {
        let calendar = englandAndWales
        var start = day("2018-12-01")
        while start <= day("2029-01-31") {
            var running = 0
            for offset in 1...40 {
                let end = start.adding(days: offset)
                if calendar.isWorkingDay(end) { running += 1 }
                #expect(calendar.workingDays(from: start, to: end) == running)
                #expect(calendar.workingDays(from: end, to: start) == -running)
            }
            for n in 0...16 {
                #expect(calendar.workingDays(from: start, to: calendar.adding(workingDays: n, to: start)) == n)
            }
            let back = calendar.adding(workingDays: -3, to: start)
            #expect(calendar.isWorkingDay(back) && back < start)
            start = start.adding(days: 3)
        }
    }

    @Test func knowsWhereItsHolidaysEnd() {
        let calendar = englandAndWales
        #expect(calendar.coveredYears == 2019...2028)
        #expect(calendar.covers(day("2028-12-31")) && !calendar.covers(day("2029-01-01")))
        #expect(!calendar.covers(day("2018-12-31")))
        #expect(calendar.covers(day("2028-12-01")...day("2028-12-31")))
        #expect(!calendar.covers(day("2028-12-20")...day("2029-01-12")))
        // Beyond the file, Monday to Friday still count (2029-01-01 is a Monday, not known as a holiday).
        #expect(calendar.adding(workingDays: 1, to: day("2028-12-29")) == day("2029-01-01"))
    }

    // MARK: Deadlines

    /// (referred, requests +2, returns +8, meeting +13, panel +15), counted by hand.
    @Test(arguments: [
        ("2026-12-18", "2026-12-22", "2027-01-04", "2027-01-11", "2027-01-13"),   // Friday before Christmas
        ("2026-12-19", "2026-12-22", "2027-01-04", "2027-01-11", "2027-01-13"),   // Saturday
        ("2026-12-25", "2026-12-30", "2027-01-08", "2027-01-15", "2027-01-19"),   // Christmas Day
        ("2027-03-24", "2027-03-30", "2027-04-07", "2027-04-14", "2027-04-16"),   // Easter
        ("2026-11-26", "2026-11-30", "2026-12-08", "2026-12-15", "2026-12-17"),   // no holidays
    ])
    func defaultDeadlines(referred: String, requests: String, returns: String, meeting: String, panel: String) {
        let deadlines = Deadlines.compute(referred: day(referred), timescales: Settings.Timescales(), calendar: englandAndWales)
        #expect(deadlines == Deadlines(requests: day(requests), returns: day(returns), meeting: day(meeting), panel: day(panel)))
        #expect(Milestone.allCases.map { deadlines[$0] } == [day(requests), day(returns), day(meeting), day(panel)])
        #expect(englandAndWales.covers(day(referred)...deadlines.panel))
    }

    @Test func configuredTimescales() {
        let timescales = Settings.Timescales(requests: 1, returns: 5, meeting: 10, panel: 20, panelAfterMeeting: 3)
        let deadlines = Deadlines.compute(referred: day("2026-12-18"), timescales: timescales, calendar: englandAndWales,
                                          meetingHeld: day("2027-01-12"))
        #expect(deadlines == Deadlines(requests: day("2026-12-21"), returns: day("2026-12-29"),
                                       meeting: day("2027-01-06"), panel: day("2027-01-15")))
        let zero = Settings.Timescales(requests: 0, returns: 0, meeting: 0, panel: 0, panelAfterMeeting: 0)
        let sameDay = Deadlines.compute(referred: day("2026-12-19"), timescales: zero, calendar: englandAndWales)
        #expect(Milestone.allCases.allSatisfy { sameDay[$0] == day("2026-12-19") })
    }

    /// Panel: referral +15 or meeting +2, whichever is earlier, once a meeting is recorded.
    @Test(arguments: [
        (nil, "2027-01-13"),                       // no meeting recorded: referral +15
        ("2027-01-07", "2027-01-11"),              // meeting +2 is earlier
        ("2026-12-24", "2026-12-30"),              // an early meeting, across Christmas
        ("2027-01-09", "2027-01-12"),              // a Saturday meeting: +2 is Tuesday
        ("2027-01-11", "2027-01-13"),              // the two rules agree
        ("2027-01-12", "2027-01-13"),              // meeting +2 (01-14) is later: referral +15
    ] as [(String?, String)])
    func panelIsTheEarlierRule(meetingHeld: String?, panel: String) {
        let deadlines = Deadlines.compute(referred: day("2026-12-18"), timescales: Settings.Timescales(),
                                          calendar: englandAndWales, meetingHeld: meetingHeld.map(day))
        #expect(deadlines.panel == day(panel))
        #expect(deadlines.meeting == day("2027-01-11"))
    }

    @Test func overridesReplaceOnlyTheirMilestone() {
        let computed = Deadlines.compute(referred: day("2026-12-18"), timescales: Settings.Timescales(), calendar: englandAndWales)
        let overridden = Deadlines.compute(
            referred: day("2026-12-18"), timescales: Settings.Timescales(), calendar: englandAndWales,
            meetingHeld: day("2027-01-07"), overrides: [.returns: day("2027-01-06"), .panel: day("2027-01-15")])
        #expect(overridden.requests == computed.requests && overridden.meeting == computed.meeting)
        #expect(overridden.returns == day("2027-01-06"))
        #expect(overridden.panel == day("2027-01-15"))
    }

    @Test func deadlinesBeyondTheKnownYearsAreFlagged() {
        let deadlines = Deadlines.compute(referred: day("2028-12-20"), timescales: Settings.Timescales(), calendar: englandAndWales)
        // 2029's New Year's Day is not in the file, so it counts as a working day here.
        #expect(deadlines.returns == day("2029-01-03"))
        #expect(!englandAndWales.covers(day("2028-12-20")...deadlines.panel))
    }

    // MARK: helpers

    /// Anonymous Gregorian computus (Meeus/Jones/Butcher).
    static func easterSunday(_ year: Int) -> LocalDate {
        let a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31, dayOfMonth = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(year: year, month: month, day: dayOfMonth) ?? day("1900-01-01")
    }

    static func firstMonday(_ year: Int, _ month: Int) -> LocalDate {
        var date = LocalDate(year: year, month: month, day: 1) ?? day("1900-01-01")
        while date.weekday != 1 { date = date.adding(days: 1) }
        return date
    }

    /// A fixed-date holiday on a weekend moves to the following Monday.
    static func substitute(_ date: LocalDate) -> LocalDate {
        switch date.weekday {
        case 6: date.adding(days: 2)
        case 7: date.adding(days: 1)
        default: date
        }
    }
}
