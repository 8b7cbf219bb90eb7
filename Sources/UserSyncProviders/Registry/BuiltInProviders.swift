/// The providers this build knows: the one list the CLI, the daemon and the config loader
/// are given (tests pass a longer one). The engine learns them from the configuration.
public enum BuiltInProviders {
    public static let all: [any ProviderPlugin.Type] = [PerformChatProvider.self, CommBoxProvider.self]
}
