import UserSyncProviders

/// Spaces a provider's requests evenly at `requestsPerMinute` (a GCRA with no burst): every
/// request to the provider passes here, lookups and pulls included, so the configured rate
/// is a ceiling the provider never sees exceeded.
public actor RateLimiter: RequestGate {
    private let interval: Duration
    /// The next free slot, as time since the limiter was made.
    private var nextSlot: Duration = .zero
    /// The clock, reduced to what pacing needs, so tests can drive it by hand.
    private let elapsed: @Sendable () -> Duration
    private let sleepUntil: @Sendable (Duration) async throws -> Void

    public init<C: Clock<Duration> & Sendable>(requestsPerMinute: Int, clock: C) where C.Instant: Sendable {
        let perMinute = max(1, requestsPerMinute)
        interval = .nanoseconds(60_000_000_000 / Int64(perMinute))
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleepUntil = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: .milliseconds(1)) }
    }

    public init(requestsPerMinute: Int) {
        self.init(requestsPerMinute: requestsPerMinute, clock: ContinuousClock())
    }

    public func enter() async throws {
        let now = elapsed()
        let slot = max(now, nextSlot)
        nextSlot = slot + interval
        if slot > now {
            try await sleepUntil(slot)
        }
    }
}
