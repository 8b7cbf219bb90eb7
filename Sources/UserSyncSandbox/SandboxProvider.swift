/// The two emulated providers.
public enum SandboxProvider: String, Sendable, CaseIterable, Hashable {
    case performChat = "performchat"
    case commBox = "commbox"

    /// Path prefix under which the provider is served.
    public var pathPrefix: String {
        switch self {
        case .performChat: return "/performchat/rest/v1"
        case .commBox: return "/commbox"
        }
    }
}
