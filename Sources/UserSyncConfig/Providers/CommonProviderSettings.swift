import Foundation

/// The keys every provider's section has, read by shared code with the provider's defaults.
public struct CommonProviderSettings: Sendable, Equatable {
    /// `base_url`: absolute, http(s), no trailing slash.
    public var baseURL: URL
    /// `requests_per_minute`.
    public var requestsPerMinute: Int
    /// `concurrency`: requests in flight, 1...64 (default 4).
    public var concurrency: Int
    /// `timeout`: per request (default 30s).
    public var timeout: Duration
    /// `auth_probe_interval`: after a 401/403, how often to try again (default 5m).
    public var authProbeInterval: Duration
    /// `missing_recheck_interval`: how often users the provider does not have yet (parked)
    /// are looked up again (default 10m).
    public var missingRecheckInterval: Duration

    public init(
        baseURL: URL,
        requestsPerMinute: Int,
        concurrency: Int = 4,
        timeout: Duration = .seconds(30),
        authProbeInterval: Duration = .seconds(300),
        missingRecheckInterval: Duration = .seconds(600)
    ) {
        self.baseURL = baseURL
        self.requestsPerMinute = requestsPerMinute
        self.concurrency = concurrency
        self.timeout = timeout
        self.authProbeInterval = authProbeInterval
        self.missingRecheckInterval = missingRecheckInterval
    }

    /// The shared keys after the credentials.
    static let tuningKeys = ["requests_per_minute", "concurrency", "timeout", "auth_probe_interval", "missing_recheck_interval"]
}
