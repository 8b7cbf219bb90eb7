import UserSyncCore

/// One (provider, user) waiting to be delivered: the latest desired document, and how
/// delivery has gone so far.
public struct OutboxItem: Sendable, Hashable {
    public enum State: String, Sendable {
        /// Waiting for its `notBefore` time.
        case pending
        /// The provider has no such user yet; re-checked on a slow schedule.
        case parked
        /// A conflict under `conflict_policy: manual` holds it until an operator resolves it.
        case held
        /// The provider's profile for this user cannot be told apart from someone else's (an
        /// e-mail shared in the source, a profile found by e-mail that carries another
        /// external id): nothing is sent until the source changes (`last_error` says why).
        case heldForIdentity = "identity"
    }

    public let id: Int64
    public let provider: ProviderID
    public let externalID: String
    public let kind: PlannedChange.Kind
    public let document: JSONValue
    public let digest: DocumentDigest
    public let record: UserRecord
    public let state: State
    public let attempts: Int
    public let notBefore: Double
    public let firstFailedAt: Double?
    public let lastStatus: Int?
    public let lastError: String?
    public let enqueuedAt: Double
}

/// A 2xx for one outbox item, to record (`StateStore.acknowledge`).
public struct Acknowledgement: Sendable {
    public let item: OutboxItem
    public let providerUserID: String?
    /// What the provider holds now (default: the item's document).
    public let confirmed: JSONValue?
    /// The key of the request sent (nil: nothing was sent).
    public let request: DocumentDigest?
    public let now: Double

    public init(item: OutboxItem, providerUserID: String?, confirmed: JSONValue?, request: DocumentDigest?, now: Double) {
        self.item = item
        self.providerUserID = providerUserID
        self.confirmed = confirmed
        self.request = request
        self.now = now
    }
}

/// A change that will not be retried: the provider refused it or retries ran out.
public struct DeadLetter: Sendable, Hashable {
    public let id: Int64
    public let provider: ProviderID
    public let externalID: String
    public let attempts: Int
    public let lastStatus: Int?
    public let lastError: String
    public let deadAt: Double
}
