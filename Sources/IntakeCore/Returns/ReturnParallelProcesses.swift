extension ScopingReturn {
    /// `parallelProcesses {policeInvestigation, coroner, disciplinary, notes}`: processes
    /// running alongside the review, which the meeting must take into account.
    ///
    /// Each process is answered `yes`, `no` or `not-known` rather than a boolean, so that
    /// "not known" is not mistaken for "no". `notes` is free text. Not part of completeness.
    public struct ParallelProcesses: Sendable, Equatable {
        /// `yes | no | not-known`.
        public enum Answer: String, Sendable, CaseIterable {
            case yes
            case no
            case notKnown = "not-known"
        }

        public var policeInvestigation: Answer?
        public var coroner: Answer?
        public var disciplinary: Answer?
        public var notes: String?

        public init(policeInvestigation: Answer? = nil, coroner: Answer? = nil, disciplinary: Answer? = nil, notes: String? = nil) {
            self.policeInvestigation = policeInvestigation
            self.coroner = coroner
            self.disciplinary = disciplinary
            self.notes = notes
        }
    }
}
