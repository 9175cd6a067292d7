/// The bank holidays of one UK division, read from the gov.uk bank-holidays file
/// (`https://www.gov.uk/bank-holidays.json`), whose shape is:
///
///     { "england-and-wales": { "division": "england-and-wales",
///                              "events": [ { "title": "New Year’s Day", "date": "2026-01-01",
///                                            "notes": "", "bunting": true }, … ] },
///       "scotland": { … }, "northern-ireland": { … } }
///
/// (DESIGN §2). Dates are `YYYY-MM-DD`; substitute days ("notes": "Substitute day") and
/// one-off holidays (jubilees, a state funeral, a coronation) are listed like any other.
/// Only the chosen division is read and checked; `title` and `date` are required of each of
/// its events, other members are ignored. `covers` is the span of years from the first
/// event to the last; a year inside that span with no holiday at all means the file is
/// incomplete, and is refused.
public struct BankHolidays: Sendable, Equatable {
    /// The three divisions of the gov.uk file.
    public enum Division: String, CaseIterable, Sendable {
        case englandAndWales = "england-and-wales"
        case scotland = "scotland"
        case northernIreland = "northern-ireland"
    }

    public let dates: Set<LocalDate>
    /// The years the list is known to be complete for.
    public let covers: ClosedRange<Int>

    public init(dates: Set<LocalDate>, covers: ClosedRange<Int>) {
        self.dates = dates
        self.covers = covers
    }

    public func contains(_ date: LocalDate) -> Bool { dates.contains(date) }

    /// The holidays of `division` in the file intake ships (`EmbeddedBankHolidays`, 2019–2028).
    public static func embedded(division: Division = .englandAndWales) -> BankHolidays {
        guard let holidays = embeddedDivisions[division] else {
            preconditionFailure("the embedded bank-holidays file lacks \(division.rawValue)")
        }
        return holidays
    }

    /// Every division of the embedded file, parsed once.
    private static let embeddedDivisions: [Division: BankHolidays] = {
        var result: [Division: BankHolidays] = [:]
        do {
            let document = try JSONParser.parse(Array(EmbeddedBankHolidays.govUKJSON.utf8))
            for division in Division.allCases {
                result[division] = try parse(document, division: division)
            }
        } catch {
            preconditionFailure("the embedded bank-holidays file does not parse: \(error)")
        }
        return result
    }()

    /// Reads `division` from the bytes of a gov.uk bank-holidays file (a newer download, say).
    public static func parse(bytes: [UInt8], division: Division) throws(BankHolidaysError) -> BankHolidays {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw BankHolidaysError(code: "not-json", message: "the bank-holidays file is not valid JSON (\(error))")
        }
        return try parse(document, division: division)
    }

    /// Reads `division` from a parsed gov.uk bank-holidays document.
    public static func parse(_ document: JSONValue, division: Division) throws(BankHolidaysError) -> BankHolidays {
        guard case .object(let divisions) = document else {
            throw BankHolidaysError(code: "not-an-object", message: "the bank-holidays file is not a JSON object")
        }
        guard case .object(let block)? = divisions[division.rawValue] else {
            throw BankHolidaysError(code: "division-missing",
                                    message: "the bank-holidays file has no \"\(division.rawValue)\" object")
        }
        guard block["division"]?.stringValue == division.rawValue else {
            throw BankHolidaysError(code: "division-mismatch",
                                    message: "\"\(division.rawValue)\".division is not \"\(division.rawValue)\"")
        }
        guard case .array(let events)? = block["events"] else {
            throw BankHolidaysError(code: "events-missing",
                                    message: "\"\(division.rawValue)\".events is missing or not an array")
        }
        var dates = Set<LocalDate>()
        for (index, event) in events.enumerated() {
            guard case .object(let members) = event, members["title"]?.stringValue != nil,
                  let text = members["date"]?.stringValue
            else {
                throw BankHolidaysError(code: "bad-event",
                                        message: "event \(index) of \"\(division.rawValue)\" lacks a title or a date")
            }
            guard let date = LocalDate(text) else {
                throw BankHolidaysError(code: "bad-date",
                                        message: "event \(index) of \"\(division.rawValue)\" has date \"\(text.prefix(40))\", not YYYY-MM-DD")
            }
            dates.insert(date)
        }
        let years = Set(dates.map(\.year))
        guard let first = years.min(), let last = years.max() else {
            throw BankHolidaysError(code: "no-events", message: "\"\(division.rawValue)\" lists no bank holidays")
        }
        if let gap = (first...last).first(where: { !years.contains($0) }) {
            throw BankHolidaysError(code: "missing-year",
                                    message: "\"\(division.rawValue)\" lists no bank holiday in \(gap), inside \(first)–\(last)")
        }
        return BankHolidays(dates: dates, covers: first...last)
    }
}

/// Why a bank-holidays file was refused. `code` is stable; `message` is for people.
public struct BankHolidaysError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

extension BankHolidays {
    /// `newer` (an imported gov.uk file) for the years it covers, `self` for the others.
    public func overlaid(with newer: BankHolidays) -> BankHolidays {
        BankHolidays(dates: newer.dates.union(dates.filter { !newer.covers.contains($0.year) }),
                     covers: min(covers.lowerBound, newer.covers.lowerBound)...max(covers.upperBound, newer.covers.upperBound))
    }
}
