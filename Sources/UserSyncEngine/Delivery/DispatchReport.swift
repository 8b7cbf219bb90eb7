import UserSyncCore

/// What one dispatch pass did for one provider.
public struct DispatchReport: Sendable, Equatable {
    public let provider: ProviderID
    public var pushed = 0
    public var retrying = 0
    public var deadLettered = 0
    public var parked = 0
    /// Users held because their profile cannot be told apart from someone else's.
    public var heldForIdentity = 0
    /// Changes the provider already held: acknowledged without a request.
    public var alreadyHeld = 0
    public var requestsFailed: Int { retrying + deadLettered }
    /// Why the provider is paused (credentials refused), when it is.
    public var pausedReason: String?
    /// The provider asked us to wait (Retry-After) or is failing (circuit open) until this time.
    public var heldUntil: Double?
    /// The provider's circuit, when it is open.
    public var circuit: CircuitState?

    public struct CircuitState: Sendable, Equatable {
        public let since: Double
        public let nextProbeAt: Double
        public let failedProbes: Int
    }

    public init(provider: ProviderID) {
        self.provider = provider
    }
}
