import UserSyncProviders

/// Spaces a provider's requests evenly at `requestsPerMinute` (a GCRA with no burst): every
/// request to the provider passes here, lookups and pulls included, so the configured rate
/// is a ceiling the provider never sees exceeded.
public actor RateLimiter: RequestGate {
    private let interval: Duration
    private var nextSlot: ContinuousClock.Instant
    private let clock = ContinuousClock()

    public init(requestsPerMinute: Int) {
        let perMinute = max(1, requestsPerMinute)
        self.interval = .nanoseconds(60_000_000_000 / Int64(perMinute))
        self.nextSlot = clock.now
    }

    public func enter() async throws {
        let now = clock.now
        let slot = max(now, nextSlot)
        nextSlot = slot + interval
        if slot > now {
            try await clock.sleep(until: slot, tolerance: .milliseconds(1))
        }
    }
}
