import Foundation
import Testing
import UserSyncProviders
import UserSyncSources
@testable import UserSyncConfig

@Suite("Config loading")
struct ConfigLoaderTests {
    typealias Fixture = ConfigFixture

    @Test("a minimal file gets every default")
    func defaultsFilledIn() throws {
        let config = try Fixture.parse(Fixture.valid)
        #expect(config.state.path == "/var/lib/usersync/state.db")
        #expect(config.source.kind == "jsonl")
        #expect(config.source.fields == .init(externalID: "id", name: "name", email: "email", metadata: nil))
        #expect(config.source.inboundPath == "/var/lib/usersync/inbound.jsonl")
        #expect(config.source.writeBack == .inbound)
        #expect(config.source.csv == nil, "a JSONL source has no CSV options")
        #expect(config.sync == .init(
            interval: .seconds(30), direction: .both, conflictPolicy: .local, deletions: .ignore,
            pullInterval: .seconds(300), shutdownTimeout: .seconds(10)
        ))
        #expect(config.retry == .init(baseDelay: .seconds(1), maxDelay: .seconds(10), maxAttempts: 12, maxAge: .seconds(259_200), openAfter: 5))
        #expect(config.log == .init(level: .info, format: .auto, showPII: false))
        #expect(config.metrics.listen == nil)
        let performChat = try #require(config.providers.performChat)
        #expect(performChat.baseURL.absoluteString == "https://api.perform.chat/rest/v1")
        #expect(performChat.keyID == "key-123")
        #expect(performChat.keySecret.revealed == Fixture.performChatSecret)
        #expect(performChat.requestsPerMinute == 900)
        #expect(performChat.concurrency == 4)
        #expect(performChat.timeout == .seconds(30))
        #expect(performChat.authProbeInterval == .seconds(300))
        #expect(performChat.missingRecheckInterval == .seconds(600))
        #expect(performChat.createMissing == false)
        #expect(performChat.agentID == nil)
        let commBox = try #require(config.providers.commBox)
        #expect(commBox.baseURL.absoluteString == "https://api.commbox.io")
        #expect(commBox.token.revealed == Fixture.commBoxToken)
        #expect(commBox.requestsPerMinute == 300)
        #expect(commBox.streamProviderType == 4)
        #expect(commBox.missingRecheckInterval == .seconds(600))
        #expect(commBox.pullBudget == 100)
        #expect(commBox.content.isEmpty)
    }

    @Test func aCSVSourceHasItsDelimiter() throws {
        let comma = try Fixture.parse(Fixture.valid(replacing: "  kind: jsonl", with: "  kind: csv"))
        #expect(comma.source.csv?.delimiterByte == UInt8(ascii: ","))
        let semicolon = try Fixture.parse(Fixture.valid(replacing: "  kind: jsonl", with: "  kind: csv\n  csv: { delimiter: \";\" }"))
        #expect(semicolon.source.csv?.delimiterByte == UInt8(ascii: ";"))
        #expect(semicolon.source.inboundPath == "/var/lib/usersync/inbound.jsonl")
    }

    @Test func aKeyOfAnotherKindIsRefusedNamingTheKindsItAppliesTo() {
        // (`csv` is ignored on other kinds: the example config carries it whatever the kind.)
        let yaml = Fixture.valid(
            replacing: "  kind: jsonl", with: "  kind: jsonl\n  csv: { delimiter: \";\" }\n  table: users\n  notify_channel: c")
        #expect(Fixture.error(yaml).issues.map { "\($0.key): \($0.message)" } == [
            "source.table: applies only to sqlite and postgres sources (source.kind is jsonl); remove it",
            "source.notify_channel: applies only to postgres sources (source.kind is jsonl); remove it",
        ])
    }

    @Test("every key can be set")
    func everyKeySet() throws {
        let yaml = """
            state: { path: /data/state.db }
            source:
              kind: sqlite
              path: /data/app.db
              query: "  -- active users\\n  WITH a AS (SELECT 1) SELECT * FROM users"
              fields: { external_id: uid, name: ~, email: mail, first_name: fn, last_name: ln, phone: tel,
                        performchat_id: pc, commbox_id: cb, metadata: meta }
              write_back: rewrite
            sync: { interval: 1h30m, direction: push, conflict_policy: manual, deletions: report,
                    pull_interval: 250ms, shutdown_timeout: 0s }
            retry: { base_delay: 2s, max_delay: 10m, max_attempts: 0, max_age: 2h }
            providers:
              performchat: { base_url: "http://127.0.0.1:8080/rest/v1/", key_id_env: PC_ID, key_secret_env: PC_SECRET,
                             requests_per_minute: 60, concurrency: 64, timeout: 5s, auth_probe_interval: 1s,
                             missing_recheck_interval: 90s, create_missing: true, agent_id: agent-7 }
              commbox: { base_url: "http://[::1]:9000/", token: t, stream_provider_type: 0, pull_budget: 0, missing_recheck_interval: 1h,
                         content: { plan: Plan, vip: VIP_Status } }
            log: { level: debug, format: json, show_pii: yes }
            metrics: { listen: "[::1]:9464" }
            """
        let config = try Fixture.parse(yaml, environment: ["PC_ID": "id-from-env", "PC_SECRET": "secret-from-env"])
        #expect(config.source.kind == "sqlite")
        #expect(config.source.query?.contains("WITH a AS") == true)
        #expect(config.source.table == nil)
        // A query cannot be written back: its remote changes go to the inbound file.
        #expect(config.source.inboundPath == "/data/inbound.jsonl")
        #expect(config.source.writeBack == .rewrite)
        #expect(config.source.fields == .init(
            externalID: "uid", name: nil, email: "mail", metadata: "meta", firstName: "fn", lastName: "ln",
            phone: "tel", providerIDs: [.performchat: "pc", .commbox: "cb"]
        ))
        #expect(config.sync.interval == .seconds(5_400))
        #expect(config.sync.direction == .push)
        #expect(config.sync.conflictPolicy == .manual)
        #expect(config.sync.deletions == .report)
        #expect(config.sync.pullInterval == .milliseconds(250))
        #expect(config.sync.shutdownTimeout == .zero)
        #expect(config.retry == .init(baseDelay: .seconds(2), maxDelay: .seconds(600), maxAttempts: nil, maxAge: .seconds(7_200)))
        let performChat = try #require(config.providers.performChat)
        #expect(performChat.baseURL.absoluteString == "http://127.0.0.1:8080/rest/v1")
        #expect(performChat.keyID == "id-from-env")
        #expect(performChat.keySecret.revealed == "secret-from-env")
        #expect(performChat.keySecret.origin == .environment(variable: "PC_SECRET"))
        #expect(performChat.concurrency == 64)
        #expect(performChat.createMissing)
        #expect(performChat.agentID == "agent-7")
        let commBox = try #require(config.providers.commBox)
        #expect(commBox.baseURL.absoluteString == "http://[::1]:9000")
        #expect(commBox.pullBudget == 0)
        #expect(commBox.content == ["plan": "Plan", "vip": "VIP_Status"])
        #expect(config.log == .init(level: .debug, format: .json, showPII: true))
        #expect(config.metrics.listen == .init(host: "::1", port: 9464))
        #expect(config.metrics.listen?.description == "[::1]:9464")
    }

    @Test("a disabled provider needs nothing else, and its values are not checked")
    func disabledProviderNeedsNothing() throws {
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)",
                                 with: "    enabled: false\n    requests_per_minute: fast\n    base_url: http://example.com")
        let config = try Fixture.parse(yaml)
        #expect(config.providers.commBox == nil)
        #expect(config.providers.performChat != nil)
    }

    @Test("a disabled provider's keys are still checked for typos")
    func disabledProviderTypos() {
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    enabled: false\n    tokn: x")
        #expect(Fixture.error(yaml).issues.map(\.key) == ["providers.commbox.tokn"])
    }

    @Test("a provider without a section is disabled")
    func absentProviderIsDisabled() throws {
        let yaml = Fixture.valid(replacing: "  commbox:\n    token: \(Fixture.commBoxToken)", with: "")
        let config = try Fixture.parse(yaml)
        #expect(config.providers.commBox == nil)
    }

    @Test("a secret from a file in $CREDENTIALS_DIRECTORY, trailing newline trimmed")
    func secretFromCredentialsDirectory() throws {
        // Given systemd's LoadCredential= directory holding the token
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        try "token-from-file\n".write(toFile: directory + "/commbox-token", atomically: true, encoding: .utf8)
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    token_file: commbox-token")
        // When the file names it relatively
        let config = try Fixture.parse(yaml, environment: ["CREDENTIALS_DIRECTORY": directory])
        // Then it is read from that directory
        let token = try #require(config.providers.commBox?.token)
        #expect(token.revealed == "token-from-file")
        #expect(token.origin == .file(path: directory + "/commbox-token"))
    }

    @Test("a relative secret file without $CREDENTIALS_DIRECTORY is next to the config file")
    func secretFileBesideConfig() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        try "s\r\n".write(toFile: directory + "/pc-secret", atomically: true, encoding: .utf8)
        let yaml = Fixture.valid(replacing: "    key_secret: \(Fixture.performChatSecret)", with: "    key_secret_file: pc-secret")
        try yaml.write(toFile: directory + "/usersync.yaml", atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: directory + "/usersync.yaml", environment: [:], providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
        #expect(config.providers.performChat?.keySecret.revealed == "s")
    }

    @Test("a secret from the environment")
    func secretFromEnvironment() throws {
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    token_env: COMMBOX_TOKEN")
        let config = try Fixture.parse(yaml, environment: ["COMMBOX_TOKEN": "token-from-env"])
        #expect(config.providers.commBox?.token.revealed == "token-from-env")
    }

    @Test("relative paths are resolved against the config file's directory")
    func relativePaths() throws {
        let yaml = Fixture.valid(replacing: "  path: /var/lib/usersync/state.db", with: "  path: ../state/state.db")
            .replacingOccurrences(of: "  path: /srv/app/users.jsonl", with: "  path: ./users.jsonl\n  inbound_path: inbound/x.jsonl")
        let config = try ConfigLoader.parse(yaml: yaml, fileName: "/opt/usersync/config/usersync.yaml", environment: [:], providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
        #expect(config.state.path == "/opt/usersync/state/state.db")
        #expect(config.source.path == "/opt/usersync/config/users.jsonl")
        #expect(config.source.inboundPath == "/opt/usersync/config/inbound/x.jsonl")
    }

    @Test("loopback hosts may use plain http", arguments: [
        "http://127.0.0.1:8080", "http://127.1.2.3", "http://localhost:9000/api/", "http://[::1]:1234",
        "https://api.commbox.io/",
    ])
    func loopbackHTTP(url: String) throws {
        let yaml = Fixture.valid(replacing: "    token:", with: "    base_url: \"\(url)\"\n    token:")
        let config = try Fixture.parse(yaml)
        let baseURL = try #require(config.providers.commBox?.baseURL.absoluteString)
        #expect(!baseURL.hasSuffix("/"))
    }

    @Test("the example config in config/ parses")
    func exampleConfigParses() throws {
        // Given the shipped example and the two credential files it names
        let example = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/usersync.example.yaml").path
        let credentials = try Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(credentials) }
        try "example-secret\n".write(toFile: credentials + "/performchat-key-secret", atomically: true, encoding: .utf8)
        try "example-token\n".write(toFile: credentials + "/commbox-token", atomically: true, encoding: .utf8)
        // When it is loaded
        let config = try ConfigLoader.load(path: example, environment: ["CREDENTIALS_DIRECTORY": credentials], providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
        // Then it holds the documented values
        #expect(config.state.path == "/var/lib/usersync/state.db")
        #expect(config.source.kind == "jsonl")
        #expect(config.source.fields.externalID == "id")
        #expect(config.source.fields.firstName == nil)
        #expect(config.providers.performChat?.keySecret.revealed == "example-secret")
        #expect(config.providers.commBox?.token.revealed == "example-token")
        #expect(config.providers.commBox?.content == ["plan": "Plan"])
        #expect(config.sync == .init())
        #expect(config.retry == .init())
        #expect(config.log == .init())
    }
}
