import Foundation
import Testing
import UserSyncProviders
import UserSyncSources
@testable import UserSyncConfig

/// One test per class of mistake: each message names the dotted key and the line.
@Suite("Config errors")
struct ConfigErrorTests {
    typealias Fixture = ConfigFixture

    @Test("an unknown key is named with its line and a did-you-mean suggestion")
    func unknownKeyWithSuggestion() {
        // Given a typo in a provider key
        let yaml = Fixture.valid(replacing: "    key_id: key-123", with: "    key_id: key-123\n    requests_per_minut: 5")
        // When it is loaded
        let error = Fixture.error(yaml)
        // Then the full dotted key, the line and the close known key are reported
        let line = Fixture.line(of: "requests_per_minut:", in: yaml)
        #expect(error.issues == [ConfigIssue(
            key: "providers.performchat.requests_per_minut", line: line,
            message: "unknown key (did you mean \"requests_per_minute\"?)"
        )])
        #expect(error.description == "/etc/usersync/usersync.yaml:\(line): providers.performchat.requests_per_minut: "
            + "unknown key (did you mean \"requests_per_minute\"?)")
    }

    @Test("an unknown top-level section is suggested from the known ones")
    func unknownSection() {
        let yaml = Fixture.valid + "\nprovider:\n  x: 1\n"
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["provider"])
        #expect(error.issues.first?.message.contains("did you mean \"providers\"") == true)
        #expect(error.issues.first?.line == Fixture.line(of: "provider:", in: yaml))
    }

    @Test("a string where an integer is expected")
    func wrongTypeString() {
        // Given the example from the product's documentation, on line 14
        let yaml = Fixture.valid(replacing: "    email: email\n", with: "")
            .replacingOccurrences(of: "  commbox:\n", with: "  commbox:\n    requests_per_minute: \"fast\"\n")
        #expect(Fixture.line(of: "requests_per_minute", in: yaml) == 14)
        // When / Then
        let error = Fixture.error(yaml)
        #expect(error.description == """
            /etc/usersync/usersync.yaml:14: providers.commbox.requests_per_minute: expected a positive integer, got "fast"
            """)
    }

    @Test("a mapping where a scalar is expected, and a scalar where a mapping is expected")
    func wrongTypeShape() {
        let yaml = Fixture.valid + "\nsync:\n  interval: { every: 30s }\nlog: loud\n"
        let error = Fixture.error(yaml)
        #expect(error.issues == [
            ConfigIssue(key: "sync.interval", line: Fixture.line(of: "interval:", in: yaml),
                        message: "expected a duration such as 250ms, 30s, 5m, 1h or 1h30m, got a mapping"),
            ConfigIssue(key: "log", line: Fixture.line(of: "log:", in: yaml),
                        message: "expected a mapping of keys, got \"loud\""),
        ])
    }

    @Test("a missing required key is named at its section's line")
    func missingRequired() {
        let yaml = Fixture.valid(replacing: "  path: /srv/app/users.jsonl\n", with: "")
        let error = Fixture.error(yaml)
        #expect(error.issues == [ConfigIssue(
            key: "source.path", line: Fixture.line(of: "source:", in: yaml), message: "required key is missing"
        )])
    }

    @Test("a missing required section is named")
    func missingSection() {
        let yaml = Fixture.valid(replacing: "state:\n  path: /var/lib/usersync/state.db\n", with: "")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["state"])
        #expect(error.description == "/etc/usersync/usersync.yaml: state: required key is missing")
    }

    @Test("a bad enum value lists the allowed values")
    func badEnum() {
        let yaml = Fixture.valid + "\nsync:\n  direction: sideways\n"
        let error = Fixture.error(yaml)
        #expect(error.issues == [ConfigIssue(
            key: "sync.direction", line: Fixture.line(of: "direction:", in: yaml),
            message: "expected one of push, pull, both; got \"sideways\""
        )])
    }

    @Test("bad durations name the key", arguments: [
        ("30", "missing a unit (ms, s, m or h), e.g. 30s; got 30"),
        ("-5s", "must not be negative, got \"-5s\""),
        ("5d", "unknown unit \"d\" (use ms, s, m or h), got \"5d\""),
        ("soon", "expected a duration such as 250ms, 30s, 5m, 1h or 1h30m, got \"soon\""),
        ("0s", "must be greater than zero, got \"0s\""),
    ])
    func badDuration(value: String, message: String) {
        let yaml = Fixture.valid + "\nsync:\n  pull_interval: \(value)\n"
        let error = Fixture.error(yaml)
        #expect(error.issues == [ConfigIssue(
            key: "sync.pull_interval", line: Fixture.line(of: "pull_interval:", in: yaml), message: message
        )])
    }

    @Test("a base_url that is not an absolute URL")
    func badURL() {
        let yaml = Fixture.valid(replacing: "    token:", with: "    base_url: not a url\n    token:")
        let error = Fixture.error(yaml)
        #expect(error.issues == [ConfigIssue(
            key: "providers.commbox.base_url", line: Fixture.line(of: "base_url:", in: yaml),
            message: "expected an absolute URL such as https://api.example.com/path, got \"not a url\""
        )])
    }

    @Test("a base_url with another scheme")
    func badScheme() {
        let yaml = Fixture.valid(replacing: "    token:", with: "    base_url: ftp://api.commbox.io\n    token:")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["providers.commbox.base_url"])
        #expect(error.issues.first?.message.hasPrefix("expected an http or https URL") == true)
    }

    @Test("plain http is refused for a non-loopback host")
    func httpForRemoteHost() {
        let yaml = Fixture.valid(replacing: "    key_id:", with: "    base_url: http://api.perform.chat/rest/v1\n    key_id:")
        let error = Fixture.error(yaml)
        #expect(error.issues == [ConfigIssue(
            key: "providers.performchat.base_url", line: Fixture.line(of: "base_url:", in: yaml),
            message: "HTTPS is required for non-loopback hosts, got \"http://api.perform.chat/rest/v1\""
        )])
    }

    @Test("credentials inside base_url are refused and not echoed")
    func credentialsInURL() {
        let yaml = Fixture.valid(replacing: "    token:", with: "    base_url: https://me:hunter2@api.commbox.io\n    token:")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["providers.commbox.base_url"])
        #expect(!error.description.contains("hunter2"))
    }

    @Test("a secret given two ways is an error on the secret's key, without the value")
    func twoSecretSources() {
        let yaml = Fixture.valid(replacing: "    key_secret: \(Fixture.performChatSecret)",
                                 with: "    key_secret: \(Fixture.performChatSecret)\n    key_secret_env: PC_SECRET")
        let error = Fixture.error(yaml, environment: ["PC_SECRET": "from-env"])
        #expect(error.issues == [ConfigIssue(
            key: "providers.performchat.key_secret", line: Fixture.line(of: "key_secret_env:", in: yaml),
            message: "set in more than one way (key_secret, key_secret_env); "
                + "keep exactly one of key_secret, key_secret_env, key_secret_file"
        )])
        #expect(!error.description.contains(Fixture.performChatSecret))
        #expect(!error.description.contains("from-env"))
    }

    @Test("a missing secret on an enabled provider")
    func missingSecret() {
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    concurrency: 2")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["providers.commbox.token"])
        #expect(error.issues.first?.line == Fixture.line(of: "commbox:", in: yaml))
        #expect(error.issues.first?.message.hasPrefix("required: set token (inline), token_env") == true)
    }

    @Test("an environment variable that is not set")
    func missingEnvironmentVariable() {
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    token_env: COMMBOX_TOKEN")
        let error = Fixture.error(yaml, environment: [:])
        #expect(error.issues == [ConfigIssue(
            key: "providers.commbox.token_env", line: Fixture.line(of: "token_env:", in: yaml),
            message: "environment variable COMMBOX_TOKEN is not set"
        )])
    }

    @Test("an unreadable secret file names the key and the path")
    func unreadableSecretFile() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    token_file: missing-token")
        let error = Fixture.error(yaml, environment: ["CREDENTIALS_DIRECTORY": directory])
        #expect(error.issues == [ConfigIssue(
            key: "providers.commbox.token_file", line: Fixture.line(of: "token_file:", in: yaml),
            message: "cannot read \(directory)/missing-token: no such file"
        )])
    }

    @Test("a secret file that is a directory is refused without reading anything")
    func secretFileIsDirectory() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    token_file: \(directory)")
        let error = Fixture.error(yaml)
        #expect(error.issues.first?.message == "cannot read \(directory): it is a directory")
    }

    @Test("create_missing without agent_id")
    func createMissingNeedsAgent() {
        let yaml = Fixture.valid(replacing: "    key_id:", with: "    create_missing: true\n    key_id:")
        let error = Fixture.error(yaml)
        #expect(error.issues == [ConfigIssue(
            key: "providers.performchat.agent_id", line: Fixture.line(of: "create_missing:", in: yaml),
            message: "required when create_missing is true (users are created through token generation for this agent)"
        )])
    }

    @Test("concurrency outside 1...64")
    func concurrencyRange() {
        let yaml = Fixture.valid(replacing: "    key_id:", with: "    concurrency: 65\n    key_id:")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.message) == ["expected an integer from 1 to 64, got 65"])
    }

    @Test("missing_recheck_interval is a positive duration, with its full key and line")
    func missingRecheckInterval() {
        let yaml = Fixture.valid(
            replacing: "    token: \(Fixture.commBoxToken)",
            with: "    token: \(Fixture.commBoxToken)\n    missing_recheck_interval: 0s")
            .replacingOccurrences(of: "    key_id:", with: "    missing_recheck_interval: often\n    key_id:")
        let error = Fixture.error(yaml)
        #expect(error.issues == [
            ConfigIssue(
                key: "providers.performchat.missing_recheck_interval", line: Fixture.line(of: "missing_recheck_interval: often", in: yaml),
                message: "expected a duration such as 250ms, 30s, 5m, 1h or 1h30m, got \"often\""),
            ConfigIssue(
                key: "providers.commbox.missing_recheck_interval", line: Fixture.line(of: "missing_recheck_interval: 0s", in: yaml),
                message: "must be greater than zero, got \"0s\""),
        ])
    }

    @Test("no provider enabled is an error on providers")
    func noProviderEnabled() {
        let yaml = Fixture.valid(replacing: "    key_id: key-123", with: "    enabled: false\n    key_id: key-123")
            .replacingOccurrences(of: "    token: \(Fixture.commBoxToken)", with: "    enabled: false")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["providers"])
        #expect(error.issues.first?.line == Fixture.line(of: "providers:", in: yaml))
    }

    @Test("sqlite needs exactly one of table and query; files take neither")
    func tableAndQuery() {
        let both = Fixture.valid(replacing: "  kind: jsonl", with: "  kind: sqlite\n  table: users\n  query: SELECT 1")
        #expect(Fixture.error(both).issues.map(\.key) == ["source.query"])
        let neither = Fixture.valid(replacing: "  kind: jsonl", with: "  kind: sqlite")
        #expect(Fixture.error(neither).issues.map(\.key) == ["source.table"])
        let writing = Fixture.valid(replacing: "  kind: jsonl", with: "  kind: sqlite\n  query: DELETE FROM users")
        #expect(Fixture.error(writing).issues.map(\.message) == ["must be a read-only query starting with SELECT or WITH"])
        let file = Fixture.valid(replacing: "  kind: jsonl", with: "  kind: jsonl\n  table: users")
        #expect(Fixture.error(file).issues.map(\.message) == ["applies only to sqlite and postgres sources (source.kind is jsonl); remove it"])
    }

    @Test("a YAML syntax error has a line and does not quote the file")
    func syntaxError() {
        let yaml = "state:\n  path: x\nproviders:\n  commbox:\n    token: \"secret-in-broken-line\n"
        let error = Fixture.error(yaml)
        #expect(error.issues.count == 1)
        #expect(error.issues.first?.line != nil)
        #expect(error.issues.first?.message.hasPrefix("invalid YAML: ") == true)
        #expect(!error.description.contains("secret-in-broken-line"))
    }

    @Test("an empty file")
    func emptyFile() {
        #expect(Fixture.error("").issues.map(\.message) == ["the file is empty; start from config/usersync.example.yaml"])
    }

    @Test("every problem is reported in one pass, in file order")
    func multipleErrorsCollected() {
        // Given four independent mistakes
        let yaml = Fixture.valid(replacing: "  kind: jsonl", with: "  kind: xml")
            .replacingOccurrences(of: "    key_id: key-123", with: "    key_id: key-123\n    concurency: 2")
            .replacingOccurrences(of: "    token: \(Fixture.commBoxToken)", with: "    token: \(Fixture.commBoxToken)\n    timeout: 30")
            + "\nlog:\n  level: loud\n"
        // When it is loaded
        let error = Fixture.error(yaml)
        // Then all four are listed, one per line, sorted by line
        #expect(error.issues.map(\.key) == [
            "source.kind", "providers.performchat.concurency", "providers.commbox.timeout", "log.level",
        ])
        #expect(error.issues.map(\.line) == [
            Fixture.line(of: "kind:", in: yaml), Fixture.line(of: "concurency:", in: yaml),
            Fixture.line(of: "timeout:", in: yaml), Fixture.line(of: "level:", in: yaml),
        ])
        #expect(error.description.split(separator: "\n").count == 4)
        #expect(error.description.split(separator: "\n").allSatisfy { $0.hasPrefix("/etc/usersync/usersync.yaml:") })
    }

    @Test("the config file itself cannot be read")
    func unreadableConfigFile() {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/usersync.yaml", environment: [:], providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
            Issue.record("expected a ConfigError")
        } catch {
            #expect(error.description == "/nonexistent/usersync.yaml: cannot read the config file: no such file")
        }
    }
}
