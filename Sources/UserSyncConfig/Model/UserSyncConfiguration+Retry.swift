extension UserSyncConfiguration {
    /// `retry`: backoff for failed deliveries (exponential with full jitter, capped).
    public struct RetrySettings: Sendable, Equatable {
        /// `retry.base_delay` (default 1s).
        public var baseDelay: Duration
        /// `retry.max_delay` (default 10s), never below `baseDelay`: the longest wait between
        /// two tries of one change, and between two probes of a failing provider.
        public var maxDelay: Duration
        /// `retry.max_attempts` (default 12); nil when the file says 0 (unlimited). Only
        /// answers about the change itself count, never a provider's outage.
        public var maxAttempts: Int?
        /// `retry.max_age` (default 72h); nil when the file says 0s (no age limit).
        /// `maxAttempts` and `maxAge` are never both nil.
        public var maxAge: Duration?
        /// `retry.open_after` (default 5): changes failing in a row (5xx, time-outs, dropped
        /// connections, 429 without Retry-After) after which the provider counts as down.
        public var openAfter: Int

        public init(
            baseDelay: Duration = .seconds(1),
            maxDelay: Duration = .seconds(10),
            maxAttempts: Int? = 12,
            maxAge: Duration? = .seconds(259_200),
            openAfter: Int = 5
        ) {
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.maxAttempts = maxAttempts
            self.maxAge = maxAge
            self.openAfter = openAfter
        }
    }
}
