import Logging
import UserSyncConfig
import UserSyncCore

/// CommBox: its config section, adapter and pacing.
public enum CommBoxProvider: ProviderPlugin {
    public static let id = ProviderID.commbox
    public static let commonDefaults = CommonProviderSettings(baseURL: CommBoxSettings.defaultBaseURL, requestsPerMinute: 300)
    public static let credentialKeys = ["token"]
    public static let ownKeys = ["stream_provider_type", "pull_budget", "content"]

    public static func decode(
        _ section: ConfigSection, common: CommonProviderSettings, credentials: [String: UserSyncConfiguration.Secret],
        reader: ConfigDecoder
    ) -> (any ProviderSettings)? {
        let streamProviderType = reader.integer(section, "stream_provider_type", in: 0...Int.max, expected: "a non-negative integer")
        let pullBudget = reader.integer(section, "pull_budget", in: 0...Int.max, expected: "a non-negative integer (0 = never pull)")
        let content = reader.nameMap(
            section, "content", keys: "metadata key", values: "CommBox custom field name", value: "the CommBox custom field's unique name")
        guard let token = credentials["token"] else { return nil }
        var settings = CommBoxSettings(common: common, token: token, content: content)
        settings.streamProviderType = streamProviderType ?? settings.streamProviderType
        settings.pullBudget = pullBudget ?? settings.pullBudget
        return settings
    }

    public static func projector(_ settings: CommBoxSettings) -> any ProviderProjector {
        CommBoxProjector(contentMapping: settings.content)
    }

    public static func adapter(_ settings: CommBoxSettings, http: ProviderHTTP, logger: Logger) -> any ProviderAdapter {
        CommBoxAdapter(
            http: http, token: settings.token.revealed, contentMapping: settings.content, streamProviderType: settings.streamProviderType)
    }

    /// Reading a user costs a request: a pull reads at most `pull_budget` of them.
    public static func pacing(_ settings: CommBoxSettings) -> ProviderPacing {
        ProviderPacing(pullBudget: settings.pullBudget)
    }
}
