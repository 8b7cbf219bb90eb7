import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import Testing
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncLogging
import UserSyncProviders
import UserSyncSources
import UserSyncTesting

/// A provider is one folder plus one registration line: EchoDesk (in the testing kit) is
/// registered by the list below alone, configured from YAML through the real loader, and
/// synced both ways by the real engine; its secret is scrubbed because it declares it.
@Suite struct ThirdProviderTests {
    /// The one line that registers it.
    static let providers: [any ProviderPlugin.Type] = BuiltInProviders.all + [EchoDeskProvider.self]
    static let apiKey = "echodesk-key-7f3a9c21"

    @Test func aThirdProviderIsPushedToAndPulledFromAndItsSecretNeverShows() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usersync-echodesk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let usersPath = directory.appendingPathComponent("users.jsonl").path
        try Data(#"{"email":"ada@example.com","id":"u1","metadata":{"plan":"free"},"name":"Ada Lovelace"}"#.appending("\n").utf8)
            .write(to: URL(fileURLWithPath: usersPath))
        let deskName = "desk-\(UUID().uuidString)"
        let desk = EchoDesk.open(deskName, apiKey: Self.apiKey)
        let yaml = """
            state:
              path: \(directory.path)/state/state.db
            source:
              kind: jsonl
              path: \(usersPath)
              write_back: rewrite
              settle_time: 0s
              fields:
                external_id: id
                name: name
                email: email
                metadata: metadata
            sync:
              interval: 1s
              direction: both
              pull_interval: 1ms
            providers:
              echodesk:
                desk: \(deskName)
                api_key_env: ECHODESK_KEY
            """
        let config = try ConfigLoader.parse(
            yaml: yaml, fileName: directory.appendingPathComponent("usersync.yaml").path, environment: ["ECHODESK_KEY": Self.apiKey],
            providers: Self.providers, sources: SourceRegistry.configSchemas)
        #expect(config.providers.ids == [.echodesk])

        // Logging as the CLI sets it up: the scrubber gets the configuration's secrets.
        let lines = Mutex<[String]>([])
        let scrubber = Scrubber(secrets: config.secretValues, showPII: false)
        let logger = Logger(label: "usersync") { _ in
            LineLogHandler(level: .debug, format: .logfmt, scrubber: scrubber) { line in lines.withLock { $0.append(line) } }
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let engine = try SyncEngine(config: config, client: client, logger: logger)

            // Push: the local user reaches the desk.
            let first = try await engine.runCycle()
            #expect(first.pushed == 1)
            let pushed = try #require(desk.profile(externalID: "u1"))
            #expect(pushed.document == ["name": "Ada Lovelace", "email": "ada@example.com", "metadata": ["plan": "free"]])

            // Pull: an edit made at the desk comes back into the local file.
            desk.edit(externalID: "u1", "name", to: "Ada King")
            let second = try await engine.runCycle()
            #expect(second.remoteChanges == 1)
            let local = try JSONParser.parse(String(contentsOfFile: usersPath, encoding: .utf8).trimmingCharacters(in: .newlines))
            #expect(local["name"] == "Ada King")
            #expect(local["metadata"] == ["plan": "free"])
            #expect(desk.requests.contains { $0.hasPrefix("fetch ") })
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()

        let logged = lines.withLock { $0 }
        // The adapter did put its key into log events; every one came out scrubbed.
        #expect(logged.contains { $0.contains("echodesk request") && $0.contains("Bearer <redacted>") })
        #expect(!logged.contains { $0.contains(Self.apiKey) })
        let rendered = config.renderEffective()
        #expect(rendered.contains("  echodesk:\n    enabled: true\n"))
        #expect(rendered.contains("api_key: <redacted>  # from environment variable ECHODESK_KEY"))
        #expect(!rendered.contains(Self.apiKey))
        #expect(rendered.contains("    echodesk_id: ~"))
    }

    @Test func itsSectionIsCheckedLikeAnyOther() {
        let yaml = """
            state:
              path: /var/lib/usersync/state.db
            source:
              kind: jsonl
              path: /srv/users.jsonl
              fields:
                external_id: id
            providers:
              echodesk:
                api_key: x
                dsk: main
              echodesc: {}
            """
        do {
            _ = try ConfigLoader.parse(yaml: yaml, fileName: "/etc/usersync/usersync.yaml", environment: [:], providers: Self.providers, sources: SourceRegistry.configSchemas)
            Issue.record("expected a ConfigError")
        } catch {
            #expect(error.issues.map { "\($0.line.map(String.init) ?? "-") \($0.key): \($0.message)" } == [
                "9 providers.echodesk.desk: required key is missing (the name of the in-memory desk, see EchoDesk.open)",
                "11 providers.echodesk.dsk: unknown key (did you mean \"desk\"?)",
                "12 providers.echodesc: unknown key (did you mean \"echodesk\"?)",
            ])
        }
    }
}
