import AsyncHTTPClient
import Foundation
import Logging
import Testing
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSources
import UserSyncSandbox
import UserSyncStore
import UserSyncTesting

/// One user of the local source (a JSONL line).
struct SourceUser: Sendable {
    var id: String
    var name: String?
    var email: String?
    var metadata: [String: JSONValue] = [:]

    var line: String {
        var object: [String: JSONValue] = ["id": .string(id), "metadata": .object(metadata)]
        if let name { object["name"] = .string(name) }
        if let email { object["email"] = .string(email) }
        return JSONValue.object(object).canonicalText
    }

    /// A typical user `n`: e-mail `u<n>@example.com`, a two-word name, a little metadata.
    static func numbered(_ n: Int, version: Int = 1) -> SourceUser {
        SourceUser(
            id: "u\(n)", name: "User\(n) Version\(version)", email: "u\(n)@example.com",
            metadata: ["plan": n % 3 == 0 ? "pro" : "free", "n": JSONValue(n), "v": JSONValue(version)])
    }
}

/// What a test wants of the generated config file.
struct EngineOptions {
    var performChat = true
    var commBox = true
    var requestsPerMinute = 600_000
    var concurrency = 8
    var performChatConcurrency: Int?
    var createMissing = false
    var agentID: String?
    var content = ["plan": "Plan", "n": "Number"]
    var maxAttempts = 12
    var authProbeInterval = "5m"
    /// `source.settle_time`: 0s unless a test is about settling.
    var settleTime = "0s"
    /// `source.kind`, and the file in the fixture's directory (default `users.jsonl`).
    var sourceKind = "jsonl"
    var sourceFile: String?
    /// Column mapping beyond `id`, `name` and `email`.
    var metadataColumn: String? = "metadata"
    var phoneColumn: String?
    /// `missing_recheck_interval` of both providers (nil: the default).
    var missingRecheckInterval: String?
}

/// A sandbox, an HTTP client, and a temporary directory holding the source and the state.
final class EngineFixture: Sendable {
    let directory: URL
    let sandbox: SandboxServer
    let client: HTTPClient
    static let logger = Logger(label: "usersync.tests.engine") { _ in SwiftLogNoOpLogHandler() }

    init(sandbox: SandboxServer, client: HTTPClient) throws {
        self.sandbox = sandbox
        self.client = client
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("usersync-engine-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func removeDirectory() {
        try? FileManager.default.removeItem(at: directory)
    }

    var sourcePath: String { directory.appendingPathComponent("users.jsonl").path }
    /// A file in the fixture's directory.
    func path(in name: String) -> String { directory.appendingPathComponent(name).path }
    var statePath: String { directory.appendingPathComponent("state", isDirectory: true).appendingPathComponent("state.db").path }
    var stateDirectory: String { directory.appendingPathComponent("state", isDirectory: true).path }

    /// Writes the whole source file (a rewrite, as an application exporting its users would).
    func writeSource(_ users: [SourceUser], extraLines: [String] = []) throws {
        let text = (users.map(\.line) + extraLines).joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: sourcePath), options: .atomic)
    }

    func yaml(_ options: EngineOptions) -> String {
        var lines = [
            "state:",
            "  path: \(statePath)",
            "source:",
            "  kind: \(options.sourceKind)",
            "  path: \(options.sourceFile.map(path(in:)) ?? sourcePath)",
            // Not about settling: cycles read the file the tests just wrote at once.
            "  settle_time: \(options.settleTime)",
            "  fields:",
            "    external_id: id",
            "    name: name",
            "    email: email",
            "    metadata: \(options.metadataColumn ?? "~")",
            "    phone: \(options.phoneColumn ?? "~")",
            "sync:",
            "  direction: push",
            "retry:",
            "  base_delay: 50ms",
            "  max_delay: 200ms",
            "  max_attempts: \(options.maxAttempts)",
            "  max_age: 24h",
            "providers:",
        ]
        if options.performChat {
            lines += [
                "  performchat:",
                "    base_url: \(sandbox.baseURL(for: .performChat))",
                "    key_id: demo-key-id",
                "    key_secret: demo-key-secret",
                "    requests_per_minute: \(options.requestsPerMinute)",
                "    concurrency: \(options.performChatConcurrency ?? options.concurrency)",
                "    timeout: 10s",
                "    auth_probe_interval: \(options.authProbeInterval)",
                "    create_missing: \(options.createMissing)",
            ]
            if let recheck = options.missingRecheckInterval { lines.append("    missing_recheck_interval: \(recheck)") }
            if let agent = options.agentID { lines.append("    agent_id: \(agent)") }
        }
        if options.commBox {
            lines += [
                "  commbox:",
                "    base_url: \(sandbox.baseURL(for: .commBox))",
                "    token: demo-commbox-token",
                "    requests_per_minute: \(options.requestsPerMinute)",
                "    concurrency: \(options.concurrency)",
                "    timeout: 10s",
                "    auth_probe_interval: \(options.authProbeInterval)",
            ]
            if let recheck = options.missingRecheckInterval { lines.append("    missing_recheck_interval: \(recheck)") }
            if options.content.isEmpty {
                lines.append("    content: {}")
            } else {
                lines.append("    content:")
                for (key, field) in options.content.sorted(by: { $0.key < $1.key }) { lines.append("      \(key): \(field)") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func configuration(_ options: EngineOptions = EngineOptions()) throws -> UserSyncConfiguration {
        try ConfigLoader.parse(
            yaml: yaml(options), fileName: directory.appendingPathComponent("usersync.yaml").path, environment: [:],
            configDirectory: directory.path, providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
    }

    func engine(_ options: EngineOptions = EngineOptions()) throws -> SyncEngine {
        try SyncEngine(config: configuration(options), client: client, logger: Self.logger)
    }

    var counts: SandboxRequestCounts { sandbox.requestCounts() }

    // MARK: seeding the providers

    /// The users as they already exist at perform.chat, with stale names and metadata.
    @discardableResult
    func seedPerformChat(_ users: [SourceUser]) throws -> [SandboxPerformChatUser] {
        try sandbox.seedPerformChatUsers(users.map {
            SandboxPerformChatSeed(externalID: $0.id, name: "Stale \($0.id)", email: $0.email, metadata: ["stale": true])
        })
    }

    /// The users as they already exist at CommBox (made in its console: no UniqueId yet).
    @discardableResult
    func seedCommBox(_ users: [SourceUser]) throws -> [SandboxCommBoxUser] {
        try sandbox.seedCommBoxUsers(users.map { SandboxCommBoxSeed(firstName: "Stale", email: $0.email) })
    }

    // MARK: expectations about the providers' side

    /// Every source user is at perform.chat exactly as the source says.
    func expectPerformChatMatches(_ users: [SourceUser], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let byID = Dictionary(uniqueKeysWithValues: sandbox.performChatUsers().map { ($0.externalID, $0) })
        var mismatches = 0
        for user in users {
            guard let remote = byID[user.id] else {
                mismatches += 1
                continue
            }
            if remote.name != user.name || remote.email != user.email
                || SandboxJSON.object(remote.metadata) != JSONValue.object(user.metadata).sandboxJSON
            {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "perform.chat users differing from the source", sourceLocation: sourceLocation)
    }

    /// Every source user is at CommBox as the projection says (name split, mapped content as text).
    func expectCommBoxMatches(_ users: [SourceUser], content: [String: String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let byEmail = Dictionary(sandbox.commBoxUsers().compactMap { u in u.email.map { ($0, u) } }, uniquingKeysWith: { a, _ in a })
        var mismatches = 0
        for user in users {
            guard let email = user.email, let remote = byEmail[email] else {
                mismatches += 1
                continue
            }
            let parts = user.name?.split(separator: " ", maxSplits: 1).map(String.init) ?? []
            var expectedContent: [String: SandboxJSON] = [:]
            for (key, field) in content {
                guard let value = user.metadata[key] else { continue }
                expectedContent[field] = .string(value.stringValue ?? value.canonicalText)
            }
            if remote.uniqueID != user.id || remote.firstName != parts.first || remote.lastName != parts.dropFirst().first
                || remote.content != expectedContent
            {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "CommBox users differing from the source", sourceLocation: sourceLocation)
    }
}

/// Starts an unlimited sandbox and a client, runs `body` with a fresh fixture, then shuts
/// everything down and removes the temporary directory.
func withEngineFixture<T>(
    _ configuration: SandboxConfiguration = engineSandbox(), _ body: (EngineFixture) async throws -> T
) async throws -> T {
    try await withSandboxSession(configuration) { session in
        let fixture = try EngineFixture(sandbox: session.sandbox, client: session.client)
        defer { fixture.removeDirectory() }
        return try await body(fixture)
    }
}

func engineSandbox(tokenUserKey: SandboxTokenUserKey = .customerUser) -> SandboxConfiguration {
    .unlimited(tokenUserKey: tokenUserKey, seed: 7, requestLogCapacity: 20_000)
}
