import Foundation

/// Which key of the `POST /auth/token` response holds the customer user: the perform.chat docs
/// show both, and clients must accept either.
public enum SandboxTokenUserKey: String, Sendable, Equatable, CaseIterable {
    case customerUser
    case user
}

public struct SandboxConfiguration: Sendable {
    /// Must be a loopback address: the sandbox is never reachable from elsewhere.
    public var host: String
    /// `0` binds an ephemeral port; `start()` returns the real one.
    public var port: Int
    public var credentials: SandboxCredentials
    public var performChatLimit: SandboxRateLimit
    public var commBoxLimit: SandboxRateLimit
    /// perform.chat's separate budget for `POST /auth/token`; `nil` means unlimited.
    public var performChatTokenRequestsPerMinute: Int?
    public var performChatFaults: SandboxFaults
    public var commBoxFaults: SandboxFaults
    /// Failed perform.chat authentications per key id before the key is locked out (429).
    public var authFailureLimit: Int
    public var authFailureWindowSeconds: TimeInterval
    public var tokenUserKey: SandboxTokenUserKey
    /// Default seed for both providers' fault generators; `nil` seeds from the system.
    public var seed: UInt64?
    /// How many recent requests `/_admin/requests` keeps in its log.
    public var requestLogCapacity: Int
    public var clock: SandboxClock

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        credentials: SandboxCredentials = SandboxCredentials(),
        performChatLimit: SandboxRateLimit = .performChatDefault,
        commBoxLimit: SandboxRateLimit = .commBoxDefault,
        performChatTokenRequestsPerMinute: Int? = 100,
        performChatFaults: SandboxFaults = .none,
        commBoxFaults: SandboxFaults = .none,
        authFailureLimit: Int = 10,
        authFailureWindowSeconds: TimeInterval = 300,
        tokenUserKey: SandboxTokenUserKey = .customerUser,
        seed: UInt64? = nil,
        requestLogCapacity: Int = 1000,
        clock: SandboxClock = .system
    ) {
        self.host = host
        self.port = port
        self.credentials = credentials
        self.performChatLimit = performChatLimit
        self.commBoxLimit = commBoxLimit
        self.performChatTokenRequestsPerMinute = performChatTokenRequestsPerMinute
        self.performChatFaults = performChatFaults
        self.commBoxFaults = commBoxFaults
        self.authFailureLimit = authFailureLimit
        self.authFailureWindowSeconds = authFailureWindowSeconds
        self.tokenUserKey = tokenUserKey
        self.seed = seed
        self.requestLogCapacity = requestLogCapacity
        self.clock = clock
    }

    func limit(for provider: SandboxProvider) -> SandboxRateLimit {
        provider == .performChat ? performChatLimit : commBoxLimit
    }

    func faults(for provider: SandboxProvider) -> SandboxFaults {
        provider == .performChat ? performChatFaults : commBoxFaults
    }

    /// True for `localhost`, `::1` and `127.0.0.0/8`.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in UInt8(octet) != nil }
    }
}
