/// A released meeting pack as the ledger holds it (`pack-released`).
public struct PackRecord: Sendable, Equatable {
    public var number: Int
    /// SHA-256 of `packs/REF/pack-N.p7m`.
    public var sha256: String
    public var ledgerIndex: Int
    public var releasedAt: UTCInstant
    /// The ledger indices of the returns it holds: each agency's latest version at release.
    public var returnIndices: [Int]
    /// Released before every return was complete (`--override --reason`).
    public var isOverride: Bool

    public init(number: Int, sha256: String, ledgerIndex: Int, releasedAt: UTCInstant, returnIndices: [Int], isOverride: Bool) {
        self.number = number
        self.sha256 = sha256
        self.ledgerIndex = ledgerIndex
        self.releasedAt = releasedAt
        self.returnIndices = returnIndices
        self.isOverride = isOverride
    }
}

/// When the meeting pack is released (DESIGN §2, issue 5), as a policy returning a verdict:
///
/// - **Automatically** (`[pack] auto_release`): the first pack once every expected agency's
///   latest return is complete; after a release, pack N+1 whenever a newer return has been
///   accepted since (the earlier pack is then superseded). Never for a closed case.
/// - **On demand** (`intake pack release REF`): whenever every latest return is complete;
///   before that only with an override (and a reason, recorded with the missing agencies).
public enum PackPolicy {
    public enum Verdict: Sendable, Equatable {
        case hold
        /// Release pack `number`; `missing` are the agencies whose latest return is not complete.
        case release(number: Int, missing: [String])
        case refuse(code: String, message: String)
    }

    /// The agencies whose latest return is missing or incomplete, in the case's order.
    public static func missing(_ record: CaseRecord) -> [String] {
        record.agencies.filter { record.latest[$0]?.completeness != .complete }
    }

    /// The ledger indices of each agency's latest return, in the case's order.
    public static func currentReturns(_ record: CaseRecord) -> [Int] {
        record.agencies.compactMap { record.latest[$0]?.ledgerIndex }
    }

    public static func automatic(_ record: CaseRecord, autoRelease: Bool) -> Verdict {
        guard autoRelease, !record.isClosed else { return .hold }
        let missing = missing(record)
        guard let last = record.packs.last else {
            return missing.isEmpty ? .release(number: 1, missing: []) : .hold
        }
        return currentReturns(record) == last.returnIndices ? .hold : .release(number: last.number + 1, missing: missing)
    }

    public static func onDemand(_ record: CaseRecord, override: Bool) -> Verdict {
        if record.isClosed { return .refuse(code: "case-closed", message: "case \(record.ref) is closed: the Panel was notified") }
        let missing = missing(record)
        if !missing.isEmpty && !override {
            return .refuse(code: "not-ready", message: "returns missing or incomplete from \(missing.joined(separator: ", ")); "
                           + "release early with --override --reason TEXT")
        }
        return .release(number: (record.packs.last?.number ?? 0) + 1, missing: missing)
    }
}
