extension ScopingReturn {
    /// One row of the agency's chronology: `{date, event, practitionerRole, action}`.
    ///
    /// `date` and `event` are required for validity: a row is a dated fact, and the meeting
    /// pack merges every agency's rows into one chronology ordered by date.
    public struct ChronologyEntry: Sendable, Equatable {
        public var date: LocalDate
        /// What happened (free text, not empty).
        public var event: String
        /// The practitioner's role, never their name (e.g. "Social worker").
        public var practitionerRole: String?
        /// What the agency did in response.
        public var action: String?

        public init(date: LocalDate, event: String, practitionerRole: String? = nil, action: String? = nil) {
            self.date = date
            self.event = event
            self.practitionerRole = practitionerRole
            self.action = action
        }
    }
}
