/// The retry settings: backoff for a change's own failures (exponential, full jitter, capped)
/// and when to give up on it. `DeliveryStateMachine` applies them.
public struct RetryPolicy: Sendable, Equatable {
    public var baseDelay: Double
    public var maxDelay: Double
    /// 0 means no limit on attempts (then `maxAge` bounds retrying).
    public var maxAttempts: Int
    /// Seconds since the first failure after which an item is dead-lettered; 0 means no limit.
    public var maxAge: Double

    public init(baseDelay: Double = 1, maxDelay: Double = 10, maxAttempts: Int = 12, maxAge: Double = 259_200) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
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
