import AsyncHTTPClient
import Foundation
import Logging
import Testing
import UserSyncCore
import UserSyncProviders
import UserSyncSandbox
import UserSyncTesting

/// A started sandbox, a real HTTP client talking to it over loopback, and adapters built the
/// way the engine builds them (but with an open gate).
struct ProviderHarness {
    let sandbox: SandboxServer
    let client: HTTPClient
    static let logger = Logger(label: "usersync.tests.providers") { _ in SwiftLogNoOpLogHandler() }

    func performChat(
        keyID: String = "demo-key-id", keySecret: String = "demo-key-secret", agentID: String? = nil,
        timeout: Duration = .seconds(10)
    ) -> PerformChatAdapter {
        let http = ProviderHTTP(
            provider: .performchat, baseURL: sandbox.baseURL(for: .performChat), client: client, gate: OpenGate(),
            timeout: timeout, logger: Self.logger)
        return PerformChatAdapter(
            http: http, credentials: .init(keyID: keyID, keySecret: keySecret), agentIDForCreation: agentID,
            logger: Self.logger)
    }

    func commBox(
        token: String = "demo-commbox-token", content: [String: String] = [:], streamProviderType: Int = 4,
        timeout: Duration = .seconds(10)
    ) -> CommBoxAdapter {
        let http = ProviderHTTP(
            provider: .commbox, baseURL: sandbox.baseURL(for: .commBox), client: client, gate: OpenGate(),
            timeout: timeout, logger: Self.logger)
        return CommBoxAdapter(http: http, token: token, contentMapping: content, streamProviderType: streamProviderType)
    }

    var counts: SandboxRequestCounts { sandbox.requestCounts() }

    /// Requests of one provider in the sandbox log, oldest first.
    func log(_ provider: SandboxProvider) -> [SandboxRequestLogEntry] {
        sandbox.requestLog().filter { $0.provider == provider }
    }
}

/// Starts a sandbox with no rate limits (unless the configuration says otherwise), runs `body`
/// with adapters pointed at it, then shuts client and server down.
func withProviderSandbox<T>(
    _ configuration: SandboxConfiguration = .unlimited(),
    _ body: (ProviderHarness) async throws -> T
) async throws -> T {
    try await withSandboxSession(configuration) { session in
        try await body(ProviderHarness(sandbox: session.sandbox, client: session.client))
    }
}

/// An HTTP-date (RFC 9110 IMF-fixdate).
func httpDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return formatter.string(from: date)
}

extension ProviderResponse {
    var retryAfterSeconds: Double? {
        if case .retryLater(_, let retryAfter, _) = self { return retryAfter?.seconds }
        return nil
    }

    var isRetryLater: Bool {
        if case .retryLater = self { return true }
        return false
    }
}
