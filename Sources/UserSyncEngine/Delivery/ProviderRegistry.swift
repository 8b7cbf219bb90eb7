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
    /// Most requests one pull may make (0: never pull).
    public var pullBudget: Int = .max
    /// Whether the provider's whole side reads cheaply (see `OverwriteWatch`).
    public var listsWholeSideCheaply = false
    public var provider: ProviderID { adapter.provider }
}

/// Builds the enabled providers of a configuration through the plugins the config was
/// loaded with (`BuiltInProviders.all`, or a test's longer list). Names no provider.
public enum ProviderRegistry {
    /// The enabled providers of a configuration, in a stable order (registration order).
    public static func runtimes(for options: SyncEngine.Options, client: HTTPClient, logger: Logger) -> [ProviderRuntime] {
        options.providers.enabled.compactMap { entry in
            let plugin = plugin(of: entry)
            let settings = entry.settings
            let limiter = RateLimiter(requestsPerMinute: settings.requestsPerMinute)
            let http = ProviderHTTP(
                provider: entry.id, baseURL: settings.baseURL.absoluteString, client: client, gate: limiter,
                timeout: settings.timeout, logger: logger)
            guard let adapter = plugin.adapter(for: settings, http: http, logger: logger) else { return nil }
            let pacing = plugin.pacing(for: settings)
            return ProviderRuntime(
                adapter: adapter, limiter: limiter, concurrency: settings.concurrency, authProbeInterval: settings.authProbeInterval,
                owns: owns(adapter, options.fieldMapping), missingRecheckInterval: settings.missingRecheckInterval,
                parkedBatchLimit: pacing.parkedBatchLimit, pullBudget: pacing.pullBudget, listsWholeSideCheaply: pacing.listsWholeSideCheaply)
        }
    }

    /// The projectors alone, for planning without any HTTP (dry-run).
    public static func projectors(for providers: UserSyncConfiguration.ProvidersSettings) -> [any ProviderProjector] {
        providers.enabled.compactMap { plugin(of: $0).projector(for: $0.settings) }
    }

    /// The plugin behind a provider's config schema. A schema registered with the loader
    /// that cannot run is a programming error, not a provider to leave out quietly.
    static func plugin(of entry: UserSyncConfiguration.ProvidersSettings.Entry) -> any ProviderPlugin.Type {
        guard let plugin = entry.schema as? any ProviderPlugin.Type else {
            preconditionFailure("providers.\(entry.id) is registered with the config loader but is no ProviderPlugin")
        }
        return plugin
    }

    static func owns(_ adapter: any ProviderAdapter, _ fields: FieldMapping) -> @Sendable (String) -> Bool {
        guard let mapping = adapter.projector as? any RemoteFieldMapping else { return { _ in true } }
        return { mapping.owns($0, mapping: fields) }
    }
}
