/// The counts of one plan, for the cycle summary, the dry-run and the run history.
public struct PlanSummary: Sendable, Equatable {
    public struct ProviderCounts: Sendable, Equatable {
        public var created = 0
        public var updated = 0
        public var removed = 0
        public var total: Int { created + updated }
        public init() {}
    }

    public var rowsRead = 0
    public var unchanged = 0
    public var rejectedByReason: [String: Int] = [:]
    public var providers: [ProviderID: ProviderCounts] = [:]

    public init() {}

    public var rejected: Int { rejectedByReason.values.reduce(0, +) }
    public var changes: Int { providers.values.reduce(0) { $0 + $1.total } }
}
