import Logging
import UserSyncConfig
import UserSyncCore

/// Everything the rest of the program needs of one provider, declared in the provider's own
/// folder: its config section (`ProviderConfigSchema`), its projector and adapter, and how
/// the engine paces it. A new provider is a folder with one such type, plus one line in
/// `BuiltInProviders.all`.
public protocol ProviderPlugin: ProviderConfigSchema {
    associatedtype Settings: ProviderSettings
    /// The projector alone, for planning without any HTTP (a dry run).
    static func projector(_ settings: Settings) -> any ProviderProjector
    /// The adapter, sending through `http` (the engine's rate gate, with the settings'
    /// base URL and timeout).
    static func adapter(_ settings: Settings, http: ProviderHTTP, logger: Logger) -> any ProviderAdapter
    /// How the engine paces this provider beyond the shared settings.
    static func pacing(_ settings: Settings) -> ProviderPacing
}

/// What the engine needs to know of a provider's costs, beyond its rate and concurrency.
public struct ProviderPacing: Sendable, Equatable {
    /// Most requests one pull may make; `Int.max` when unbounded, 0 to never pull.
    public var pullBudget: Int
    /// Most parked users looked up together in one pass when one of them is due; nil when
    /// the adapter looks each user up on its own (nothing to gain from gathering them).
    public var parkedBatchLimit: Int?
    /// Whether the provider's whole side reads for a fraction of the requests of the pushes
    /// (a paged list): `sync.direction: push` then warns before overwriting edits made there.
    public var listsWholeSideCheaply: Bool

    public init(pullBudget: Int = .max, parkedBatchLimit: Int? = nil, listsWholeSideCheaply: Bool = false) {
        self.pullBudget = pullBudget
        self.parkedBatchLimit = parkedBatchLimit
        self.listsWholeSideCheaply = listsWholeSideCheaply
    }
}

extension ProviderPlugin {
    public static func pacing(_ settings: Settings) -> ProviderPacing { ProviderPacing() }

    // The entry points for callers holding the settings as read from the file, where the
    // provider is known only by its schema.

    public static func projector(for settings: any ProviderSettings) -> (any ProviderProjector)? {
        (settings as? Settings).map { projector($0) }
    }

    public static func adapter(for settings: any ProviderSettings, http: ProviderHTTP, logger: Logger) -> (any ProviderAdapter)? {
        (settings as? Settings).map { adapter($0, http: http, logger: logger) }
    }

    public static func pacing(for settings: any ProviderSettings) -> ProviderPacing {
        (settings as? Settings).map { pacing($0) } ?? ProviderPacing()
    }
}
