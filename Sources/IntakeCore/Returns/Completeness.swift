/// Whether a valid return is complete (DESIGN §3):
///
/// > A return is **complete** when it is signed off, the involvement status is given (with
/// > summary and chronology when involved), records are secured, and every attachment
/// > matches its sha256. An incomplete return is still accepted, ledgered and receipted, but
/// > marked incomplete with the missing items.
public enum Completeness: Sendable, Equatable {
    case complete
    /// The missing items, in the fixed order of `MissingItem` (never empty).
    case incomplete([MissingItem])

    /// `.complete` for no missing items, `.incomplete` otherwise.
    public init(missing: [MissingItem]) {
        self = missing.isEmpty ? .complete : .incomplete(missing)
    }

    public var isComplete: Bool { self == .complete }

    /// The missing items; empty when complete.
    public var missing: [MissingItem] {
        if case .incomplete(let items) = self { return items }
        return []
    }

    /// The missing items' stable codes, for receipts, the ledger and logs.
    public var codes: [String] { missing.map(\.code) }
}
