import Foundation

/// How a throttled response tells the client when to come back.
public enum SandboxRetryAfterMode: String, Sendable, Equatable, CaseIterable {
    /// `Retry-After: 17`
    case seconds
    /// `Retry-After: Sun, 06 Nov 1994 08:49:37 GMT`
    case date
    /// No header: the client must pick its own backoff.
    case none
}

/// How requests are counted against `requestsPerMinute`.
public enum SandboxRateWindowMode: String, Sendable, Equatable, CaseIterable {
    /// The last `windowSeconds` before each request.
    case sliding
    /// Consecutive windows, the first starting at the first request.
    case fixed
}

/// A provider's request budget.
public struct SandboxRateLimit: Sendable, Equatable {
    /// `nil` means unlimited; `0` throttles every request.
    public var requestsPerMinute: Int?
    public var retryAfterMode: SandboxRetryAfterMode
    public var windowMode: SandboxRateWindowMode
    /// Length of the window; 60 unless a test wants to watch it roll over.
    public var windowSeconds: TimeInterval

    public init(
        requestsPerMinute: Int?,
        retryAfterMode: SandboxRetryAfterMode = .seconds,
        windowMode: SandboxRateWindowMode = .sliding,
        windowSeconds: TimeInterval = 60
    ) {
        self.requestsPerMinute = requestsPerMinute
        self.retryAfterMode = retryAfterMode
        self.windowMode = windowMode
        self.windowSeconds = windowSeconds
    }

    public static let performChatDefault = SandboxRateLimit(requestsPerMinute: 1000)
    public static let commBoxDefault = SandboxRateLimit(requestsPerMinute: 600)
}
