/// The outcome of validating a document as a `scoping-return/v1`: a value, never a throw.
public enum ReturnVerdict: Sendable, Equatable {
    /// A valid return (possibly incomplete): accepted, ledgered and receipted.
    case valid(ScopingReturn, Completeness)
    /// Not a valid return: rejected with `invalid-return`. At least one problem, at most
    /// `ScopingReturn.Limits.problems`, in document order.
    case invalid([ReturnProblem])

    public var isValid: Bool {
        if case .valid = self { return true }
        return false
    }

    /// The return, when valid.
    public var scopingReturn: ScopingReturn? {
        if case .valid(let value, _) = self { return value }
        return nil
    }

    /// The completeness, when valid.
    public var completeness: Completeness? {
        if case .valid(_, let completeness) = self { return completeness }
        return nil
    }

    /// The problems; empty when valid.
    public var problems: [ReturnProblem] {
        if case .invalid(let problems) = self { return problems }
        return []
    }

    /// `invalid-return` when invalid, nil when valid.
    public var reasonCode: ReasonCode? {
        isValid ? nil : .invalidReturn
    }
}
