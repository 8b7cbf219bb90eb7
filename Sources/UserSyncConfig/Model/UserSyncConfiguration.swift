/// The validated contents of `usersync.yaml`, with every default filled in.
///
/// Built only by `ConfigLoader` (which checks every rule the file must satisfy), so a value of
/// this type is always usable as is: paths are absolute, URLs are checked, secrets are resolved.
/// The types nested here are plain Swift values on purpose: this module does not depend on the
/// engine's domain types; the engine maps them. Providers plug their own sections in
/// (`ProviderConfigSchema`).
public struct UserSyncConfiguration: Sendable, Equatable {
    /// `state`: where the service keeps its SQLite state.
    public var state: StateSettings
    /// `source`: the local source of truth and how its columns map onto the canonical record.
    public var source: SourceSettings
    /// `sync`: cycle timing, direction and policies.
    public var sync: SyncSettings
    /// `retry`: backoff for failed deliveries.
    public var retry: RetrySettings
    /// `providers`: the enabled providers' settings, in registration order.
    public var providers: ProvidersSettings
    /// `log`: level, format, PII.
    public var log: LogSettings
    /// `metrics`: the optional metrics listener.
    public var metrics: MetricsSettings

    public init(
        state: StateSettings,
        source: SourceSettings,
        sync: SyncSettings = SyncSettings(),
        retry: RetrySettings = RetrySettings(),
        providers: ProvidersSettings,
        log: LogSettings = LogSettings(),
        metrics: MetricsSettings = MetricsSettings()
    ) {
        self.state = state
        self.source = source
        self.sync = sync
        self.retry = retry
        self.providers = providers
        self.log = log
        self.metrics = metrics
    }
}

extension UserSyncConfiguration {
    /// `state`.
    public struct StateSettings: Sendable, Equatable {
        /// `state.path`: the SQLite state database (absolute).
        public var path: String

        public init(path: String) {
            self.path = path
        }
    }
}
