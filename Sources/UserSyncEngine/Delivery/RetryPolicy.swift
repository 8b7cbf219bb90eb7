import UserSyncProviders

/// Decides what happens to one outbox item after the provider answered. A pure value:
/// response, attempt count, clock and a jitter draw in; an action out. No sockets, no sleep.
public struct RetryPolicy: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case acknowledge
        /// Try again no earlier than `delay` seconds from now.
        case retry(delay: Double)
        /// The user's id mapping is stale: look the user up again (once), then push.
        case reresolve
        case deadLetter(reason: String)
        /// Credentials refused: stop sending to this provider until a probe succeeds.
        case pauseProvider(reason: String)
    }

    public var baseDelay: Double
    public var maxDelay: Double
    /// 0 means no limit on attempts (then `maxAge` bounds retrying).
    public var maxAttempts: Int
    /// Seconds since the first failure after which an item is dead-lettered; 0 means no limit.
    public var maxAge: Double

    public init(baseDelay: Double = 1, maxDelay: Double = 300, maxAttempts: Int = 12, maxAge: Double = 86_400) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    /// - Parameters:
    ///   - attempts: failed attempts before this answer.
    ///   - firstFailedAt: when the item first failed (nil if this is its first failure).
    ///   - jitter: a uniform draw in [0, 1), injected so tests are deterministic.
    public func decide(_ response: ProviderResponse, attempts: Int, firstFailedAt: Double?, now: Double, jitter: Double) -> Action {
        switch response {
        case .success:
            return .acknowledge
        case .authentication(let status, let message):
            return .pauseProvider(reason: "HTTP \(status): \(message)")
        case .notFound:
            return .reresolve
        case .permanent(let status, let message):
            return .deadLetter(reason: "HTTP \(status): \(message)")
        case .retryLater(let status, let retryAfter, let message):
            let failures = attempts + 1
            let described = status.map { "HTTP \($0): \(message)" } ?? message
            if maxAttempts > 0 && failures >= maxAttempts {
                return .deadLetter(reason: "gave up after \(failures) attempts; last: \(described)")
            }
            if maxAge > 0, let first = firstFailedAt, now - first >= maxAge {
                return .deadLetter(reason: "gave up after retrying for \(Int(now - first)) s; last: \(described)")
            }
            if let retryAfter { return .retry(delay: retryAfter.seconds) }
            return .retry(delay: backoff(failures: failures, jitter: jitter))
        }
    }

    /// Exponential backoff with full jitter: uniform in [0, min(max, base · 2^(n-1))].
    public func backoff(failures: Int, jitter: Double) -> Double {
        let exponent = Double(min(max(failures - 1, 0), 40))
        let ceiling = min(maxDelay, baseDelay * Double.pow2(exponent))
        return ceiling * min(max(jitter, 0), 1)
    }
}

extension Double {
    fileprivate static func pow2(_ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= 2 }
        return result
    }
}
