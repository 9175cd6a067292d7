extension ScopingReturn {
    /// One key practice episode: `{date?, episode, learning?}`.
    ///
    /// `episode` (what happened and why it matters, free text, not empty) is required; the
    /// date (when the episode happened or began) and the agency's early `learning` from it
    /// are optional. Not part of completeness: an agency may find none.
    public struct KeyPracticeEpisode: Sendable, Equatable {
        public var date: LocalDate?
        public var episode: String
        public var learning: String?

        public init(date: LocalDate? = nil, episode: String, learning: String? = nil) {
            self.date = date
            self.episode = episode
            self.learning = learning
        }
    }
}
