import UserSyncConfig

/// `providers.echodesk` (enabled).
public struct EchoDeskSettings: ProviderSettings, Equatable {
    public var common: CommonProviderSettings
    /// `api_key` (or `api_key_env` / `api_key_file`).
    public var apiKey: UserSyncConfiguration.Secret
    /// `desk`: the name the test opened its `EchoDesk` under.
    public var desk: String

    public var secrets: [UserSyncConfiguration.Secret] { [apiKey] }

    public func renderCredentials(into out: inout YAMLWriter) {
        out.secret("api_key", apiKey)
    }

    public func renderOwnKeys(into out: inout YAMLWriter) {
        out.field("desk", YAMLWriter.quoted(desk))
    }
}
