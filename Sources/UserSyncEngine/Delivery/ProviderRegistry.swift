import AsyncHTTPClient
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncProviders

/// What the engine needs to run one enabled provider: its adapter and delivery settings.
public struct ProviderRuntime: Sendable {
    public let adapter: any ProviderAdapter
    public let limiter: RateLimiter
    public let concurrency: Int
    public let authProbeInterval: Duration
    /// Whether the local side holds a provider path under the configured mapping: only
    /// such values are ever cleared at the provider.
    public var owns: @Sendable (String) -> Bool = { _ in true }
    /// How often users the provider does not have are looked up again.
    public var missingRecheckInterval: Duration = .seconds(600)
    /// Most parked users looked up together in one pass when one of them is due; nil when
    /// the adapter looks each user up on its own (nothing to gain from gathering them).
    public var parkedBatchLimit: Int? = nil
    public var provider: ProviderID { adapter.provider }
}

/// The one place that knows which providers exist. A new provider is a folder in
/// `UserSyncProviders` and one entry in `factories`.
public enum ProviderRegistry {
    struct Factory: Sendable {
        /// The projector alone, for planning without any HTTP (dry-run); nil when disabled.
        let projector: @Sendable (UserSyncConfiguration) -> (any ProviderProjector)?
        let runtime: @Sendable (UserSyncConfiguration, HTTPClient, Logger) -> ProviderRuntime?
    }

    static let factories: [Factory] = [
        Factory(projector: { $0.providers.performChat.map { _ in PerformChatProjector() } }, runtime: makePerformChat),
        Factory(projector: { $0.providers.commBox.map { CommBoxProjector(contentMapping: $0.content) } }, runtime: makeCommBox),
    ]

    /// The enabled providers of a configuration, in a stable order.
    public static func runtimes(for config: UserSyncConfiguration, client: HTTPClient, logger: Logger) -> [ProviderRuntime] {
        factories.compactMap { $0.runtime(config, client, logger) }
    }

    public static func projectors(for config: UserSyncConfiguration) -> [any ProviderProjector] {
        factories.compactMap { $0.projector(config) }
    }

    static func owns(_ adapter: any ProviderAdapter, _ config: UserSyncConfiguration) -> @Sendable (String) -> Bool {
        guard let mapping = adapter.projector as? any RemoteFieldMapping else { return { _ in true } }
        let fields = config.fieldMapping
        return { mapping.owns($0, mapping: fields) }
    }

    static func makePerformChat(_ config: UserSyncConfiguration, _ client: HTTPClient, _ logger: Logger) -> ProviderRuntime? {
        guard let settings = config.providers.performChat else { return nil }
        let limiter = RateLimiter(requestsPerMinute: settings.requestsPerMinute)
        let http = ProviderHTTP(
            provider: .performchat, baseURL: settings.baseURL.absoluteString, client: client, gate: limiter,
            timeout: settings.timeout, logger: logger)
        let adapter = PerformChatAdapter(
            http: http, credentials: .init(keyID: settings.keyID, keySecret: settings.keySecret.revealed),
            agentIDForCreation: settings.createMissing ? settings.agentID : nil, logger: logger)
        // Its lookups page the whole list when that is cheaper than one each: parked users are
        // re-checked together, as many as half a minute of requests covers at worst (450 at
        // the default rate), so one pass stays well inside the service's watchdog window.
        return ProviderRuntime(
            adapter: adapter, limiter: limiter, concurrency: settings.concurrency, authProbeInterval: settings.authProbeInterval,
            owns: owns(adapter, config), missingRecheckInterval: settings.missingRecheckInterval,
            parkedBatchLimit: max(200, settings.requestsPerMinute / 2))
    }

    static func makeCommBox(_ config: UserSyncConfiguration, _ client: HTTPClient, _ logger: Logger) -> ProviderRuntime? {
        guard let settings = config.providers.commBox else { return nil }
        let limiter = RateLimiter(requestsPerMinute: settings.requestsPerMinute)
        let http = ProviderHTTP(
            provider: .commbox, baseURL: settings.baseURL.absoluteString, client: client, gate: limiter,
            timeout: settings.timeout, logger: logger)
        let adapter = CommBoxAdapter(
            http: http, token: settings.token.revealed, contentMapping: settings.content,
            streamProviderType: settings.streamProviderType)
        return ProviderRuntime(
            adapter: adapter, limiter: limiter, concurrency: settings.concurrency, authProbeInterval: settings.authProbeInterval,
            owns: owns(adapter, config), missingRecheckInterval: settings.missingRecheckInterval)
    }
}
