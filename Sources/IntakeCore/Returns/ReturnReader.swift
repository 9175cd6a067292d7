/// Reads a `JSONValue` against the `scoping-return/v1` rules, collecting `ReturnProblem`s
/// (at most `ScopingReturn.Limits.problems`) and handing back typed values where they are
/// well-formed. Optional members that are absent or `null` read as nil with no problem.
struct ReturnReader {
    private(set) var problems: [ReturnProblem] = []

    /// The kinds of text the format has.
    enum TextKind {
        /// One line: at most `Limits.lineLength` scalars, no control characters at all.
        case line
        /// Free text: at most `Limits.textLength` scalars; tab, line feed and carriage return
        /// are the only control characters allowed.
        case text

        var limit: Int {
            switch self {
            case .line: ScopingReturn.Limits.lineLength
            case .text: ScopingReturn.Limits.textLength
            }
        }

        func allows(_ scalar: Unicode.Scalar) -> Bool {
            guard ScopingReturn.isControl(scalar) else { return true }
            return self == .text && (scalar == "\t" || scalar == "\n" || scalar == "\r")
        }
    }

    mutating func report(_ code: ReturnProblem.Code, _ path: String) {
        guard problems.count < ScopingReturn.Limits.problems else { return }
        problems.append(ReturnProblem(code, at: path))
    }

    /// The JSON Pointer of `member` inside `path` (the format's own names need no escaping).
    static func path(_ path: String, _ member: String) -> String { path + "/" + member }

    static func path(_ path: String, _ index: Int) -> String { path + "/" + String(index) }

    /// The value with `null` read as absent.
    private static func present(_ value: JSONValue?) -> JSONValue? {
        value == .null ? nil : value
    }

    /// A required value: `missing-member` when absent; `null` falls through to the type check.
    private mutating func requiring(_ value: JSONValue?, _ required: Bool, _ path: String) -> JSONValue? {
        guard let value else {
            if required { report(.missingMember, path) }
            return nil
        }
        if !required, value == .null { return nil }
        return value
    }

    /// An object's members; reports `wrong-type`, or one `unknown-member` at the object itself.
    mutating func object(_ value: JSONValue?, at path: String, required: Bool = false, members: Set<String>) -> [String: JSONValue]? {
        guard let value = requiring(value, required, path) else { return nil }
        guard case .object(let object) = value else {
            report(.wrongType, path)
            return nil
        }
        if object.keys.contains(where: { !members.contains($0) }) { report(.unknownMember, path) }
        return object
    }

    /// An array's items, when there are at most `limit`.
    mutating func array(_ value: JSONValue?, at path: String, limit: Int) -> [JSONValue]? {
        guard let value = ReturnReader.present(value) else { return nil }
        guard case .array(let items) = value else {
            report(.wrongType, path)
            return nil
        }
        guard items.count <= limit else {
            report(.tooMany, path)
            return nil
        }
        return items
    }

    /// A string of `kind`; `nonEmpty` reports `empty` for `""`.
    mutating func string(_ value: JSONValue?, at path: String, required: Bool = false, kind: TextKind, nonEmpty: Bool = false) -> String? {
        guard let value = requiring(value, required, path) else { return nil }
        guard case .string(let text) = value else {
            report(.wrongType, path)
            return nil
        }
        var count = 0
        var allowed = true
        for scalar in text.unicodeScalars {
            count += 1
            if !kind.allows(scalar) { allowed = false }
        }
        if count > kind.limit {
            report(.tooLong, path)
        } else if nonEmpty, count == 0 {
            report(.empty, path)
        } else if !allowed {
            report(.controlCharacter, path)
        } else {
            return text
        }
        return nil
    }

    /// A string whose format `isWellFormed` checks; `code` when it does not.
    mutating func formatted(_ value: JSONValue?, at path: String, required: Bool = false, code: ReturnProblem.Code, _ isWellFormed: (String) -> Bool) -> String? {
        guard let value = requiring(value, required, path) else { return nil }
        guard case .string(let text) = value else {
            report(.wrongType, path)
            return nil
        }
        guard isWellFormed(text) else {
            report(code, path)
            return nil
        }
        return text
    }

    /// A `YYYY-MM-DD` date (`LocalDate`'s strict text form).
    mutating func date(_ value: JSONValue?, at path: String, required: Bool = false) -> LocalDate? {
        formatted(value, at: path, required: required, code: .badDate) { LocalDate($0) != nil }.flatMap(LocalDate.init)
    }

    /// One of an enumeration's raw values.
    mutating func oneOf<Value: RawRepresentable>(_ value: JSONValue?, at path: String, _: Value.Type) -> Value? where Value.RawValue == String {
        formatted(value, at: path, code: .badValue) { Value(rawValue: $0) != nil }.flatMap(Value.init(rawValue:))
    }

    mutating func bool(_ value: JSONValue?, at path: String) -> Bool? {
        guard let value = ReturnReader.present(value) else { return nil }
        guard case .bool(let flag) = value else {
            report(.wrongType, path)
            return nil
        }
        return flag
    }
}
