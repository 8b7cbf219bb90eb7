extension UserSyncConfiguration {
    /// `retry`: backoff for failed deliveries (exponential with full jitter, capped).
    public struct RetrySettings: Sendable, Equatable {
        /// `retry.base_delay` (default 1s).
        public var baseDelay: Duration
        /// `retry.max_delay` (default 5m), never below `baseDelay`.
        public var maxDelay: Duration
        /// `retry.max_attempts` (default 12); nil when the file says 0 (unlimited).
        public var maxAttempts: Int?
        /// `retry.max_age` (default 24h); nil when the file says 0s (no age limit).
        /// `maxAttempts` and `maxAge` are never both nil.
        public var maxAge: Duration?

        public init(
            baseDelay: Duration = .seconds(1),
            maxDelay: Duration = .seconds(300),
            maxAttempts: Int? = 12,
            maxAge: Duration? = .seconds(86_400)
        ) {
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.maxAttempts = maxAttempts
            self.maxAge = maxAge
        }
    }
}
