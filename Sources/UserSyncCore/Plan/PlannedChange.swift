/// One thing the planner decided a provider must be told.
public struct PlannedChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// The provider has never been confirmed to hold this user.
        case create
        /// The provider holds an older version.
        case update
        /// The user left the source (reported only; never deleted at a provider).
        case remove
    }

    public let provider: ProviderID
    public let externalID: String
    public let kind: Kind
    /// The full desired document (nil for `remove`).
    public let document: JSONValue?
    public let digest: DocumentDigest?
    /// The source record behind the document: adapters use it to resolve provider ids.
    public let record: UserRecord?

    public init(provider: ProviderID, externalID: String, kind: Kind, document: JSONValue?, digest: DocumentDigest?, record: UserRecord?) {
        self.provider = provider
        self.externalID = externalID
        self.kind = kind
        self.document = document
        self.digest = digest
        self.record = record
    }
}

/// What the planner emits while it streams through the source.
public enum PlanEvent: Sendable {
    case change(PlannedChange)
    /// Changes emitted earlier for this user no longer hold (a duplicate id turned up later).
    case retract(externalID: String)
    case rejected(Rejection)
}

/// `sync.deletions`.
public enum DeletionPolicy: String, Sendable, CaseIterable {
    case ignore
    case report
}
