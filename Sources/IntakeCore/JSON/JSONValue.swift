/// A JSON value (RFC 8259) as intake reads and writes it.
///
/// Objects are dictionaries: the strict parser rejects duplicate member names, so nothing
/// is lost by the choice. Numbers keep their exact text, so that nothing is rounded on the
/// way through and canonical output repeats what was read.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text as it appeared (RFC 8259 §6 grammar), e.g. `"12"`, `"-0.5e3"`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A whole number value, for building events.
    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The value as a whole number, when it is a number written without fraction or
    /// exponent that fits in an `Int`.
    public var intValue: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }
}
