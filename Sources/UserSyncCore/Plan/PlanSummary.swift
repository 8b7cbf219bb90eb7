/// The counts of one plan, for the cycle summary, the dry-run and the run history.
public struct PlanSummary: Sendable, Equatable {
    public struct ProviderCounts: Sendable, Equatable {
        public var created = 0
        public var updated = 0
        public var removed = 0
        /// Rows only this provider refused, by reason code (they synced to the others).
        public var refusedByReason: [String: Int] = [:]
        public var total: Int { created + updated }
        public var refused: Int { refusedByReason.values.reduce(0, +) }
        public init() {}
    }

    public var rowsRead = 0
    public var unchanged = 0
    public var rejectedByReason: [String: Int] = [:]
    public var providers: [ProviderID: ProviderCounts] = [:]
    /// Users sharing one e-mail address (compared case-insensitively), a group each: no
    /// provider that identifies users by e-mail can tell them apart.
    public var sharedEmails: [[String]] = []

    public init() {}

    public var rejected: Int { rejectedByReason.values.reduce(0, +) }
    public var changes: Int { providers.values.reduce(0) { $0 + $1.total } }
}
