/// The secrets the emulators accept. Changeable at runtime (`/_admin/credentials`).
public struct SandboxCredentials: Sendable, Equatable {
    public var performChatKeyID: String
    public var performChatKeySecret: String
    public var commBoxToken: String

    public init(
        performChatKeyID: String = "demo-key-id",
        performChatKeySecret: String = "demo-key-secret",
        commBoxToken: String = "demo-commbox-token"
    ) {
        self.performChatKeyID = performChatKeyID
        self.performChatKeySecret = performChatKeySecret
        self.commBoxToken = commBoxToken
    }
}
