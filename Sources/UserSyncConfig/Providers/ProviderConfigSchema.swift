import UserSyncCore

/// A provider as the config file knows it: the keys of its section `providers.<name>`, their
/// defaults and rules, and the settings it reads them into. Each provider's folder declares
/// one; the loader is given the list (`ConfigLoader.load(path:providers:sources:)`) and names none.
///
/// The keys every provider shares (`enabled`, `base_url`, `requests_per_minute`,
/// `concurrency`, `timeout`, `auth_probe_interval`, `missing_recheck_interval`) are read by
/// shared code, with this provider's defaults; the rest is the provider's own.
public protocol ProviderConfigSchema: Sendable {
    /// The provider's name: its section is `providers.<id>`, its id column `source.fields.<id>_id`.
    static var id: ProviderID { get }
    /// What the shared keys default to for this provider.
    static var commonDefaults: CommonProviderSettings { get }
    /// Credentials, each required and written in one of three ways (`token`, `token_env`,
    /// `token_file`); read by shared code, right after `base_url`.
    static var credentialKeys: [String] { get }
    /// The provider's other keys, after the shared ones.
    static var ownKeys: [String] { get }
    /// Reads the provider's own keys of an enabled section and puts its settings together;
    /// nil when something required is missing or invalid (reported through `reader`).
    /// - Parameter credentials: the `credentialKeys` that could be read (a missing one is
    ///   already reported).
    static func decode(
        _ section: ConfigSection, common: CommonProviderSettings, credentials: [String: UserSyncConfiguration.Secret],
        reader: ConfigDecoder
    ) -> (any ProviderSettings)?
}

extension ProviderConfigSchema {
    /// Every key its section may hold, in the order the messages list them.
    static var knownKeys: [String] {
        ["enabled", "base_url"] + credentialKeys.flatMap { [$0, "\($0)_env", "\($0)_file"] }
            + CommonProviderSettings.tuningKeys + ownKeys
    }
}

/// One enabled provider's settings, as its schema read them.
///
/// The shared settings read as if they were the provider's own (`settings.concurrency`).
@dynamicMemberLookup
public protocol ProviderSettings: Sendable {
    /// The keys every provider has.
    var common: CommonProviderSettings { get set }
    /// Every credential that must never be shown: the log scrubber blots out each of them,
    /// so a provider's secret is scrubbed because the provider declares it, not because a
    /// list elsewhere remembers it.
    var secrets: [UserSyncConfiguration.Secret] { get }
    /// What of these settings changes the documents sent (a re-plan is due when it changes);
    /// empty when nothing does.
    var projectionKey: String { get }
    /// Writes the credential keys, every secret as `<redacted>` with where it came from.
    func renderCredentials(into out: inout YAMLWriter)
    /// Writes the provider's own keys.
    func renderOwnKeys(into out: inout YAMLWriter)
    /// Equality across the existential (the configuration is `Equatable`).
    func isEqual(to other: any ProviderSettings) -> Bool
}

extension ProviderSettings {
    public var projectionKey: String { "" }

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<CommonProviderSettings, Value>) -> Value {
        get { common[keyPath: keyPath] }
        set { common[keyPath: keyPath] = newValue }
    }
}

extension ProviderSettings where Self: Equatable {
    public func isEqual(to other: any ProviderSettings) -> Bool {
        (other as? Self) == self
    }
}
