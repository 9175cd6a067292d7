extension ScopingReturn {
    /// `recordsSecured {secured, securedOn, securedBy, reference}`: the agency's statement that
    /// it has secured its own records of the case (DESIGN §1).
    ///
    /// Complete when `secured` is `true` and `securedOn` is given: otherwise the missing item
    /// `records-secured`.
    public struct RecordsSecured: Sendable, Equatable {
        public var secured: Bool?
        public var securedOn: LocalDate?
        /// The role (or team) that secured them.
        public var securedBy: String?
        /// The agency's own reference for the secured record set.
        public var reference: String?

        public init(secured: Bool? = nil, securedOn: LocalDate? = nil, securedBy: String? = nil, reference: String? = nil) {
            self.secured = secured
            self.securedOn = securedOn
            self.securedBy = securedBy
            self.reference = reference
        }

        /// `secured` is `true` and `securedOn` is given.
        public var isSecured: Bool { secured == true && securedOn != nil }
    }
}
