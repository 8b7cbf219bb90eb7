import Logging
import UserSyncConfig
import UserSyncCore

/// perform.chat: its config section, adapter and pacing.
public enum PerformChatProvider: ProviderPlugin {
    public static let id = ProviderID.performchat
    public static let commonDefaults = CommonProviderSettings(baseURL: PerformChatSettings.defaultBaseURL, requestsPerMinute: 900)
    public static let credentialKeys = ["key_id", "key_secret"]
    public static let ownKeys = ["create_missing", "agent_id"]

    public static func decode(
        _ section: ConfigSection, common: CommonProviderSettings, credentials: [String: UserSyncConfiguration.Secret],
        reader: ConfigDecoder
    ) -> (any ProviderSettings)? {
        let createMissing = reader.flag(section, "create_missing") ?? false
        let agentID = reader.text(section, "agent_id")
        if createMissing, !section.has("agent_id") {
            reader.report(section.key("agent_id"), line: section.line("create_missing"),
                          "required when create_missing is true (users are created through token generation for this agent)")
        }
        guard let keyID = credentials["key_id"], let keySecret = credentials["key_secret"] else { return nil }
        return PerformChatSettings(common: common, keyID: keyID.revealed, keySecret: keySecret, createMissing: createMissing, agentID: agentID)
    }

    public static func projector(_ settings: PerformChatSettings) -> any ProviderProjector {
        PerformChatProjector()
    }

    public static func adapter(_ settings: PerformChatSettings, http: ProviderHTTP, logger: Logger) -> any ProviderAdapter {
        PerformChatAdapter(
            http: http, credentials: .init(keyID: settings.keyID, keySecret: settings.keySecret.revealed),
            agentIDForCreation: settings.createMissing ? settings.agentID : nil, logger: logger)
    }

    /// Its lookups page the whole list when that is cheaper than one each: parked users are
    /// re-checked together, as many as half a minute of requests covers at worst (450 at
    /// the default rate), so one pass stays well inside the service's watchdog window. The
    /// same list (one page per 100 users) makes reading its whole side cheap.
    public static func pacing(_ settings: PerformChatSettings) -> ProviderPacing {
        ProviderPacing(parkedBatchLimit: max(200, settings.requestsPerMinute / 2), listsWholeSideCheaply: true)
    }
}
