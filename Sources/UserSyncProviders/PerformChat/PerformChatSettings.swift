import Foundation
import UserSyncConfig
import UserSyncCore

extension ProviderID {
    public static let performchat: ProviderID = "performchat"
}

/// `providers.performchat` (enabled).
public struct PerformChatSettings: ProviderSettings, Equatable {
    public static let defaultBaseURL = URL(string: "https://api.perform.chat/rest/v1")!

    /// `base_url` (default `https://api.perform.chat/rest/v1`), `requests_per_minute`
    /// (default 900) and the other shared keys.
    public var common: CommonProviderSettings
    /// `key_id` (or `key_id_env` / `key_id_file`): public, safe to log.
    public var keyID: String
    /// `key_secret` (or `key_secret_env` / `key_secret_file`).
    public var keySecret: UserSyncConfiguration.Secret
    /// `create_missing`: create absent users through token generation (default false).
    public var createMissing: Bool
    /// `agent_id`: required when `createMissing` is true.
    public var agentID: String?

    public init(
        common: CommonProviderSettings = PerformChatProvider.commonDefaults,
        keyID: String, keySecret: UserSyncConfiguration.Secret, createMissing: Bool = false, agentID: String? = nil
    ) {
        self.common = common
        self.keyID = keyID
        self.keySecret = keySecret
        self.createMissing = createMissing
        self.agentID = agentID
    }

    public var secrets: [UserSyncConfiguration.Secret] { [keySecret] }

    public func renderCredentials(into out: inout YAMLWriter) {
        out.field("key_id", YAMLWriter.quoted(keyID))
        out.secret("key_secret", keySecret)
    }

    public func renderOwnKeys(into out: inout YAMLWriter) {
        out.field("create_missing", String(createMissing))
        out.field("agent_id", agentID.map { YAMLWriter.quoted($0) } ?? "~")
    }
}

extension UserSyncConfiguration.ProvidersSettings {
    /// `providers.performchat`; nil when the section is absent or `enabled: false`.
    public var performChat: PerformChatSettings? {
        get { self[.performchat] as? PerformChatSettings }
        set { self[.performchat] = newValue }
    }
}
