import Foundation
import UserSyncConfig
import UserSyncCore

extension ProviderID {
    public static let commbox: ProviderID = "commbox"
}

/// `providers.commbox` (enabled).
public struct CommBoxSettings: ProviderSettings, Equatable {
    public static let defaultBaseURL = URL(string: "https://api.commbox.io")!

    /// `base_url` (default `https://api.commbox.io`), `requests_per_minute` (default 300)
    /// and the other shared keys.
    public var common: CommonProviderSettings
    /// `token` (or `token_env` / `token_file`).
    public var token: UserSyncConfiguration.Secret
    /// `stream_provider_type`: identity type used to look users up by e-mail (default 4).
    public var streamProviderType: Int
    /// `pull_budget`: at most this many `GET /users/{id}` per pull; 0 = never pull (default 100).
    public var pullBudget: Int
    /// `content`: metadata key → CommBox custom field unique name (default empty).
    public var content: [String: String]

    public init(
        common: CommonProviderSettings = CommBoxProvider.commonDefaults, token: UserSyncConfiguration.Secret,
        streamProviderType: Int = 4, pullBudget: Int = 100, content: [String: String] = [:]
    ) {
        self.common = common
        self.token = token
        self.streamProviderType = streamProviderType
        self.pullBudget = pullBudget
        self.content = content
    }

    public var secrets: [UserSyncConfiguration.Secret] { [token] }

    /// The content mapping decides which custom fields are sent.
    public var projectionKey: String {
        content.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    public func renderCredentials(into out: inout YAMLWriter) {
        out.secret("token", token)
    }

    public func renderOwnKeys(into out: inout YAMLWriter) {
        out.field("stream_provider_type", String(streamProviderType))
        out.field("pull_budget", String(pullBudget))
        out.nameMap("content", content)
    }
}

extension UserSyncConfiguration.ProvidersSettings {
    /// `providers.commbox`; nil when the section is absent or `enabled: false`.
    public var commBox: CommBoxSettings? {
        get { self[.commbox] as? CommBoxSettings }
        set { self[.commbox] = newValue }
    }
}
