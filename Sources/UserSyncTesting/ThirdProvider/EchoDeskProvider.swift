import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncProviders

extension ProviderID {
    public static let echodesk: ProviderID = "echodesk"
}

/// A third provider that exists only for tests: the proof that a provider is one folder plus
/// one line in a registration list. Everything about it is here; a test registers it with
/// `BuiltInProviders.all + [EchoDeskProvider.self]` and configures it under
/// `providers.echodesk`, naming the in-memory `EchoDesk` to talk to.
public enum EchoDeskProvider: ProviderPlugin {
    public static let id = ProviderID.echodesk
    public static let commonDefaults = CommonProviderSettings(baseURL: URL(string: "http://127.0.0.1/echodesk")!, requestsPerMinute: 6000)
    public static let credentialKeys = ["api_key"]
    public static let ownKeys = ["desk"]

    public static func decode(
        _ section: ConfigSection, common: CommonProviderSettings, credentials: [String: UserSyncConfiguration.Secret],
        reader: ConfigDecoder
    ) -> (any ProviderSettings)? {
        let desk = reader.requiredText(section, "desk", hint: "the name of the in-memory desk, see EchoDesk.open")
        guard let desk, let apiKey = credentials["api_key"] else { return nil }
        return EchoDeskSettings(common: common, apiKey: apiKey, desk: desk)
    }

    public static func projector(_ settings: EchoDeskSettings) -> any ProviderProjector {
        EchoDeskProjector()
    }

    public static func adapter(_ settings: EchoDeskSettings, http: ProviderHTTP, logger: Logger) -> any ProviderAdapter {
        EchoDeskAdapter(desk: EchoDesk.named(settings.desk), apiKey: settings.apiKey.revealed, logger: logger)
    }
}
