extension ScopingReturn {
    /// `author {name, role}`: who wrote the return. Optional; not part of completeness.
    public struct Author: Sendable, Equatable {
        public var name: String?
        public var role: String?

        public init(name: String? = nil, role: String? = nil) {
            self.name = name
            self.role = role
        }
    }
}
