import AsyncHTTPClient
import UserSyncSandbox

/// A started sandbox and an HTTP client talking to it over loopback: what the provider,
/// engine and sandbox tests all stand on.
public struct SandboxSession: Sendable {
    public let sandbox: SandboxServer
    public let client: HTTPClient
}

/// Starts a sandbox on an ephemeral loopback port, runs `body`, then shuts client and server
/// down, whether `body` returned or threw (a leaked server would hold its port and threads
/// for the rest of the test run).
public func withSandboxSession<T>(
    _ configuration: SandboxConfiguration = .unlimited(),
    _ body: (SandboxSession) async throws -> T
) async throws -> T {
    let sandbox = SandboxServer(configuration: configuration)
    try await sandbox.start()
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let result = try await body(SandboxSession(sandbox: sandbox, client: client))
        try await client.shutdown()
        try await sandbox.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        try? await sandbox.shutdown()
        throw error
    }
}

extension SandboxConfiguration {
    /// No rate limits anywhere, deterministic ids from `seed`: tests about behaviour, not pacing.
    public static func unlimited(
        tokenUserKey: SandboxTokenUserKey = .customerUser, seed: UInt64 = 1, requestLogCapacity: Int = 10_000
    ) -> SandboxConfiguration {
        SandboxConfiguration(
            performChatLimit: SandboxRateLimit(requestsPerMinute: nil),
            commBoxLimit: SandboxRateLimit(requestsPerMinute: nil),
            performChatTokenRequestsPerMinute: nil,
            tokenUserKey: tokenUserKey,
            seed: seed,
            requestLogCapacity: requestLogCapacity)
    }
}
