import Foundation
import GRDB
import Testing
import UserSyncSandbox

/// B. An invalid config exits 78 from every command, with `FILE:LINE: dotted.key: message`,
/// and nothing is created.
@Suite("config errors")
struct ConfigErrorTests {
    /// One class of config error: how to break a valid config, and what the binary must say.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// Replaces the first occurrence of `find` in the valid config with `replace`; `{pc}`
        /// stands for the sandbox's perform.chat base URL.
        let find: String
        let replace: String
        /// The line the error must point at: the first line containing this text after the edit.
        let lineMarker: String
        let key: String
        let message: String
        /// Environment variables to leave out of the child's environment.
        var unset: [String] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown key (typo)", find: "interval: 1s", replace: "intervall: 1s",
             lineMarker: "intervall:", key: "sync.intervall", message: #"unknown key (did you mean "interval"?)"#),
        Case(name: "wrong type", find: "concurrency: 4\n    timeout: 5s\n    content", replace: "concurrency: lots\n    timeout: 5s\n    content",
             lineMarker: "concurrency: lots", key: "providers.commbox.concurrency", message: #"expected an integer from 1 to 64, got "lots""#),
        Case(name: "a state path under a file", find: "state: { path: ", replace: "state: { path: /etc/hostname/state.db }\n# was: ",
             lineMarker: "/etc/hostname", key: "state.path", message: "/etc/hostname is a file, not a directory"),
        Case(name: "missing required value", find: "  path: ", replace: "  # path: ",
             lineMarker: "source:", key: "source.path", message: "required key is missing"),
        Case(name: "bad duration", find: "base_delay: 100ms", replace: "base_delay: 100",
             lineMarker: "base_delay:", key: "retry.base_delay", message: "100"),
        Case(name: "bad URL", find: #"base_url: "{pc}""#, replace: #"base_url: "not a url""#,
             lineMarker: "not a url", key: "providers.performchat.base_url", message: #"expected an absolute URL"#),
        Case(name: "http for a non-loopback host", find: #"base_url: "{pc}""#, replace: #"base_url: "http://api.example.com/rest/v1""#,
             lineMarker: "api.example.com", key: "providers.performchat.base_url", message: "HTTPS is required for non-loopback hosts"),
        Case(name: "two secret sources", find: "key_secret_env: TEST_PERFORMCHAT_SECRET", replace: "key_secret_env: TEST_PERFORMCHAT_SECRET\n    key_secret: inline-secret",
             lineMarker: "key_secret_env:", key: "providers.performchat.key_secret", message: "set in more than one way"),
        Case(name: "missing secret environment variable", find: "token_env: TEST_COMMBOX_TOKEN", replace: "token_env: TEST_COMMBOX_TOKEN",
             lineMarker: "token_env:", key: "providers.commbox.token_env", message: "environment variable TEST_COMMBOX_TOKEN is not set",
             unset: ["TEST_COMMBOX_TOKEN"]),
    ]

    static let commands: [[String]] = [["sync", "--once"], ["sync", "--once", "--dry-run"], ["check"], ["run"], ["status"], ["queue", "list"]]

    @Test("exit 78 naming the key and the line, from every command; nothing created", arguments: cases)
    func configError(_ c: Case) async throws {
        try await SyncScenario.with { s in
            try s.workspace.writeUsers(TestUser.many(3))
            try s.workspace.writeConfig(sandbox: s.sandbox, providerOptions: "")
            let valid = try String(contentsOf: s.workspace.configURL, encoding: .utf8)
            let find = c.find.replacingOccurrences(of: "{pc}", with: s.sandbox.baseURL(for: .performChat))
            let range = try #require(valid.range(of: find), "the valid config has no \(c.find.debugDescription):\n\(valid)")
            let broken = valid.replacingCharacters(in: range, with: c.replace)
            try broken.write(to: s.workspace.configURL, atomically: true, encoding: .utf8)
            let lines = broken.components(separatedBy: "\n")
            let line = try #require(lines.firstIndex { $0.contains(c.lineMarker) }) + 1
            let expected = "\(s.workspace.configURL.path):\(line): \(c.key): "
            var environment = Workspace.environment
            for name in c.unset { environment[name] = nil }

            for command in Self.commands {
                let run = try await s.workspace.usersync(command, environment: environment, timeout: 30)
                let label = command.joined(separator: " ")
                #expect(run.status == 78, "\(label): exit \(run.status); stderr: \(run.stderr)")
                let issue = run.stderr.components(separatedBy: "\n").first { $0.hasPrefix(expected) }
                #expect(issue != nil, "\(label): no line starting \(expected.debugDescription) in stderr:\n\(run.stderr)")
                #expect(issue?.contains(c.message) == true, "\(label): \(issue ?? run.stderr) should say \(c.message.debugDescription)")
                // A secret is never echoed back.
                #expect(!run.stderr.contains("inline-secret") && !run.stderr.contains("demo-key-secret"), "\(label) printed a secret")
                #expect(run.stdout.isEmpty, "\(label) printed on stdout: \(run.stdout)")
            }
            #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: s.workspace.statePath).deletingLastPathComponent().path),
                    "a command created the state directory despite the config error")
            #expect(s.sandbox.requestCounts().performChat.total + s.sandbox.requestCounts().commBox.total == 0)
        }
    }

    @Test("check exits 78 and names a mapped column a SQLite table lacks")
    func sqliteMissingColumn() async throws {
        try await SyncScenario.with { s in
            // Given a SQLite table and a mapping naming a column it does not have
            let database = s.workspace.directory.appendingPathComponent("app.db").path
            let queue = try DatabaseQueue(path: database)
            try await queue.write { db in try db.execute(sql: "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, email TEXT, metadata TEXT)") }
            try queue.close()
            try s.workspace.writeConfig(sandbox: s.sandbox)
            let jsonl = try String(contentsOf: s.workspace.configURL, encoding: .utf8)
            func configure(_ fields: String) throws {
                try jsonl
                    .replacingOccurrences(of: "kind: jsonl\n  path: \(s.workspace.sourceURL.path)\n  settle_time: 0s", with: "kind: sqlite\n  path: \(database)\n  table: users")
                    .replacingOccurrences(of: "fields: { external_id: id, name: name, email: email, metadata: metadata }", with: "fields: \(fields)")
                    .write(to: s.workspace.configURL, atomically: true, encoding: .utf8)
            }
            try configure("{ external_id: id, name: full_name, email: email, updated_at: changed }")
            // When / Then
            let run = try await s.workspace.usersync(["check"])
            #expect(run.status == 78, "\(run.stderr)")
            #expect(run.stderr.contains("\"full_name\""), "\(run.stderr)")
            // And with the right mapping, check passes
            try configure("{ external_id: id, name: name, email: email, metadata: metadata }")
            let fixed = try await s.workspace.usersync(["check"])
            #expect(fixed.status == 0, "\(fixed.stderr)")
        }
    }

    @Test("every problem is reported at once, one line each")
    func allProblemsAtOnce() async throws {
        try await SyncScenario.with { s in
            try s.workspace.writeUsers(TestUser.many(1))
            try s.workspace.writeConfig(sandbox: s.sandbox, sync: "intervall: 1s", retry: "base_delay: 5x")
            let run = try await s.workspace.usersync(["check"], environment: ["TEST_PERFORMCHAT_SECRET": "demo-key-secret"])
            #expect(run.status == 78)
            let issues = run.stderr.components(separatedBy: "\n").filter { $0.hasPrefix(s.workspace.configURL.path + ":") }
            #expect(issues.count == 3, "\(run.stderr)")
            #expect(issues.contains { $0.contains("sync.intervall: unknown key") })
            #expect(issues.contains { $0.contains("retry.base_delay:") && $0.contains("5x") })
            #expect(issues.contains { $0.contains("providers.commbox.token_env: environment variable TEST_COMMBOX_TOKEN is not set") })
        }
    }
}
