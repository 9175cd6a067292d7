extension ScopingReturn {
    /// `involvement {status, from, to, summary}`: whether and when the agency was involved
    /// with the child or family, and a summary of that involvement.
    public struct Involvement: Sendable, Equatable {
        /// `involved | not-involved | not-known`.
        public enum Status: String, Sendable, CaseIterable {
            case involved
            case notInvolved = "not-involved"
            case notKnown = "not-known"
        }

        public var status: Status?
        /// The first date of involvement.
        public var from: LocalDate?
        /// The last date of involvement (absent while it continues).
        public var to: LocalDate?
        public var summary: String?

        public init(status: Status? = nil, from: LocalDate? = nil, to: LocalDate? = nil, summary: String? = nil) {
            self.status = status
            self.from = from
            self.to = to
            self.summary = summary
        }
    }
}
