extension ScopingReturn {
    /// `signOff {name, role, date}`: the senior manager who signed the return off.
    ///
    /// Complete when all three are present (text not blank): otherwise the missing item
    /// `sign-off`.
    public struct SignOff: Sendable, Equatable {
        public var name: String?
        public var role: String?
        public var date: LocalDate?

        public init(name: String? = nil, role: String? = nil, date: LocalDate? = nil) {
            self.name = name
            self.role = role
            self.date = date
        }

        /// Name and role not blank, and a date.
        public var isGiven: Bool {
            !ScopingReturn.isBlank(name) && !ScopingReturn.isBlank(role) && date != nil
        }
    }
}
