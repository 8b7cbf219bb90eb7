import Foundation
import UserSyncSandbox

/// A temporary directory holding one scenario: a source file, a config pointing at an
/// in-process sandbox, and the state database the real binary writes.
struct Workspace {
    let directory: URL
    var configURL: URL { directory.appendingPathComponent("usersync.yaml") }
    var sourceURL: URL { directory.appendingPathComponent("users.jsonl") }
    var statePath: String { directory.appendingPathComponent("state/state.db").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("usersync-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Writes the source as JSONL, one user per line.
    func writeUsers(_ users: [TestUser]) throws {
        try users.map(\.jsonLine).joined(separator: "\n").appending("\n").write(to: sourceURL, atomically: true, encoding: .utf8)
    }

    /// A config for both providers on `sandbox`; `extra` YAML is appended (top-level keys).
    /// `settleTime` is 0s unless a test is about settling (`source.settle_time`).
    /// Secrets come from the environment (`environment` below), like an operator's would.
    func writeConfig(
        sandbox: SandboxServer, performchat: Bool = true, commbox: Bool = true, providerOptions: String = "",
        settleTime: String = "0s", sync: String = "interval: 1s", retry: String = "base_delay: 100ms\n  max_delay: 1s", log: String = "level: info\n  format: logfmt",
        extra: String = ""
    ) throws {
        var yaml = """
            state: { path: \(statePath) }
            source:
              kind: jsonl
              path: \(sourceURL.path)
              settle_time: \(settleTime)
              fields: { external_id: id, name: name, email: email, metadata: metadata }
            sync:
              \(sync)
            retry:
              \(retry)
            log:
              \(log)
            providers:

            """
        if performchat {
            yaml += """
                  performchat:
                    base_url: "\(sandbox.baseURL(for: .performChat))"
                    key_id: demo-key-id
                    key_secret_env: TEST_PERFORMCHAT_SECRET
                    requests_per_minute: 60000
                    concurrency: 4
                    timeout: 5s
                    \(providerOptions)

                """
        }
        if commbox {
            yaml += """
                  commbox:
                    base_url: "\(sandbox.baseURL(for: .commBox))"
                    token_env: TEST_COMMBOX_TOKEN
                    requests_per_minute: 60000
                    concurrency: 4
                    timeout: 5s
                    content: { plan: Plan }

                """
        }
        yaml += extra
        try yaml.write(to: configURL, atomically: true, encoding: .utf8)
    }

    /// `sync.guard` limits that let a test change every user in one cycle on purpose.
    static let guardRaised = "guard: { max_changed: 100%, max_cleared: 100% }"

    /// The secrets the sandbox accepts by default.
    static let environment = ["TEST_PERFORMCHAT_SECRET": "demo-key-secret", "TEST_COMMBOX_TOKEN": "demo-commbox-token"]

    /// Runs `usersync ARGS --config <this config>` to completion.
    func usersync(_ arguments: [String], environment: [String: String] = Workspace.environment, timeout: Double = 120) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await RunningProcess.run(Binaries.usersync, arguments + ["--config", configURL.path], environment: environment, logDirectory: directory, timeout: timeout)
    }

    /// Starts `usersync run` in the background.
    func startDaemon(environment: [String: String] = Workspace.environment) throws -> RunningProcess {
        try RunningProcess(Binaries.usersync, ["run", "--config", configURL.path], environment: environment, logDirectory: directory)
    }
}

/// A user of the local source.
struct TestUser: Sendable, Equatable {
    var id: String
    var name: String
    var email: String
    var plan: String

    var jsonLine: String {
        #"{"id":"\#(id)","name":"\#(name)","email":"\#(email)","metadata":{"plan":"\#(plan)"}}"#
    }

    static func many(_ count: Int, prefix: String = "u", plan: String = "free") -> [TestUser] {
        (1...count).map { TestUser(id: "\(prefix)\($0)", name: "First\($0) Last\($0)", email: "user\($0)@example.com", plan: plan) }
    }
}

extension SandboxServer {
    /// Seeds both emulations with these users (stale names, so the first sync updates them).
    func seedExisting(_ users: [TestUser]) throws {
        _ = try seedPerformChatUsers(users.map { SandboxPerformChatSeed(externalID: $0.id, name: "old", email: $0.email, metadata: [:]) })
        _ = try seedCommBoxUsers(users.map { SandboxCommBoxSeed(uniqueID: $0.id, firstName: "old", email: $0.email) })
    }

    /// True when both providers hold exactly the source's name, e-mail and plan for every user.
    func holds(_ users: [TestUser]) -> Bool {
        let pc = Dictionary(uniqueKeysWithValues: performChatUsers().map { ($0.externalID, $0) })
        let cb = Dictionary(uniqueKeysWithValues: commBoxUsers().compactMap { u in u.uniqueID.map { ($0, u) } })
        return users.allSatisfy { u in
            guard let p = pc[u.id], let c = cb[u.id] else { return false }
            let first = String(u.name.split(separator: " ").first!)
            return p.name == u.name && p.email == u.email && p.metadata["plan"] == .string(u.plan)
                && c.firstName == first && c.email == u.email && c.content["Plan"] == .string(u.plan)
        }
    }
}
