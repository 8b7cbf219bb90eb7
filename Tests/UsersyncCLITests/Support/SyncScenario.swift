import Foundation
import Testing
import UserSyncSandbox
import UserSyncStore

/// One end-to-end scenario: an in-process sandbox, a workspace whose config points at it, and
/// helpers to drive the real `usersync` binary and to read back what happened (the sandbox's
/// request log, the state database read-only).
final class SyncScenario: @unchecked Sendable {
    let sandbox: SandboxServer
    let workspace: Workspace

    private init(sandbox: SandboxServer, workspace: Workspace) {
        self.sandbox = sandbox
        self.workspace = workspace
    }

    /// Starts a sandbox and a workspace, runs `body`, and always stops the sandbox. The
    /// workspace is removed when `body` returns and kept (path printed) when it throws, or
    /// always with `USERSYNC_TEST_KEEP=1` in the environment, so a failing run leaves its
    /// config, state and logs to look at.
    static func with<T>(
        sandbox configuration: SandboxConfiguration = .unthrottled(),
        _ body: (SyncScenario) async throws -> T
    ) async throws -> T {
        let sandbox = SandboxServer(configuration: configuration)
        try await sandbox.start()
        let workspace: Workspace
        do { workspace = try Workspace() } catch {
            try? await sandbox.shutdown()
            throw error
        }
        let scenario = SyncScenario(sandbox: sandbox, workspace: workspace)
        do {
            let result = try await body(scenario)
            try? await sandbox.shutdown()
            if ProcessInfo.processInfo.environment["USERSYNC_TEST_KEEP"] == nil {
                workspace.remove()
            } else {
                FileHandle.standardError.write(Data("kept the scenario's workspace: \(workspace.directory.path)\n".utf8))
            }
            return result
        } catch {
            try? await sandbox.shutdown()
            FileHandle.standardError.write(Data("kept the failing scenario's workspace: \(workspace.directory.path)\n".utf8))
            throw error
        }
    }

    // MARK: Running the binary

    typealias Result = (status: Int32, stdout: String, stderr: String)

    /// `usersync sync --once [extra] --config …`.
    func syncOnce(_ extra: [String] = [], timeout: Double = 120) async throws -> Result {
        try await workspace.usersync(["sync", "--once"] + extra, timeout: timeout)
    }

    /// Runs `sync --once [extra]` until it exits 0 (or `maxRuns`), sleeping between runs until
    /// the state's next due time (capped at `maxSleep`). Returns every run; records an issue
    /// on an exit status other than 0 and 75, or when `maxRuns` is reached.
    @discardableResult
    func syncUntilDelivered(
        _ extra: [String] = [], maxRuns: Int = 40, maxSleep: Double = 3, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws -> [Result] {
        var runs: [Result] = []
        for _ in 0..<maxRuns {
            let run = try await syncOnce(extra)
            runs.append(run)
            if run.status == 0 { return runs }
            guard run.status == 75 else {
                Issue.record("sync --once exited \(run.status); stderr:\n\(run.stderr.suffix(3000))", sourceLocation: sourceLocation)
                return runs
            }
            let wait = try nextDueTime().map { $0 - Date().timeIntervalSince1970 } ?? 0
            try await Task.sleep(for: .milliseconds(Int(min(max(wait, 0), maxSleep) * 1000) + 10))
        }
        Issue.record("sync --once did not exit 0 within \(maxRuns) runs: \(runs.map(\.status)); last summary:\n\(runs.last?.stdout.suffix(2000) ?? "")\nlast stderr:\n\(runs.last?.stderr.suffix(3000) ?? "")", sourceLocation: sourceLocation)
        return runs
    }

    /// Replaces the first occurrence of `find` in the written config (perform.chat's section
    /// comes before CommBox's, so a provider key is edited for perform.chat first).
    func editConfig(_ find: String, _ replace: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let text = try String(contentsOf: workspace.configURL, encoding: .utf8)
        let range = try #require(text.range(of: find), "the config has no \(find.debugDescription)", sourceLocation: sourceLocation)
        try text.replacingCharacters(in: range, with: replace).write(to: workspace.configURL, atomically: true, encoding: .utf8)
    }

    // MARK: The state, read-only

    /// The state opened read-only (nil when there is none yet). Never while a writer runs a
    /// schema migration; fine next to a running `usersync` otherwise (WAL).
    func state() throws -> StateStore? {
        try StateStore.openReadOnly(path: workspace.statePath)
    }

    /// Earliest `not_before` among pending (not parked) outbox items.
    func nextDueTime() throws -> Double? {
        guard let store = try state() else { return nil }
        return try store.outboxItems(limit: 100_000).filter { $0.state == .pending }.map(\.notBefore).min()
    }

    /// Files in the state directory, name → bytes.
    func stateDirectoryContents() throws -> [String: Data] {
        let directory = URL(fileURLWithPath: workspace.statePath).deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: directory.path) else { return [:] }
        var contents: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            contents[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return contents
    }

    // MARK: The sandbox's view

    /// Pushes (perform.chat `PUT /customer-users/:id`, CommBox `POST /users/:id`) per external id,
    /// counted from the request log, for requests the sandbox answered with `statuses`
    /// (nil: any outcome, dropped connections included).
    func pushesPerUser(_ provider: SandboxProvider, statuses: Set<String>? = nil) -> [String: Int] {
        let route = provider == .performChat ? "PUT /customer-users/:id" : "POST /users/:id"
        let externalByProviderID: [String: String]
        if provider == .performChat {
            externalByProviderID = Dictionary(sandbox.performChatUsers().map { ($0.id, $0.externalID) }, uniquingKeysWith: { a, _ in a })
        } else {
            externalByProviderID = Dictionary(sandbox.commBoxUsers().compactMap { u in u.uniqueID.map { (String(u.id), $0) } }, uniquingKeysWith: { a, _ in a })
        }
        var counts: [String: Int] = [:]
        for entry in sandbox.requestLog() where entry.provider == provider && entry.route == route {
            if let statuses, !statuses.contains(entry.status) { continue }
            let idPart = entry.path.split(separator: "?").first.map(String.init) ?? entry.path
            let providerID = String(idPart.split(separator: "/").last ?? "")
            counts[externalByProviderID[providerID] ?? "?\(providerID)", default: 0] += 1
        }
        return counts
    }

    /// Users the providers do not hold as in `users` (like `holds`, but says who), as
    /// "provider:id" strings.
    func mismatches(_ users: [TestUser]) -> [String] {
        let pc = Dictionary(sandbox.performChatUsers().map { ($0.externalID, $0) }, uniquingKeysWith: { a, _ in a })
        let cb = Dictionary(sandbox.commBoxUsers().compactMap { u in u.uniqueID.map { ($0, u) } }, uniquingKeysWith: { a, _ in a })
        var wrong: [String] = []
        for u in users {
            let first = String(u.name.split(separator: " ").first ?? "")
            if let p = pc[u.id], p.name == u.name, p.email == u.email, p.metadata["plan"] == .string(u.plan) {} else { wrong.append("performchat:\(u.id)") }
            if let c = cb[u.id], c.firstName == first, c.email == u.email, c.content["Plan"] == .string(u.plan) {} else { wrong.append("commbox:\(u.id)") }
        }
        return wrong
    }

    /// Fails if the sandbox's log dropped entries (the ring buffer was too small for the test).
    func requireCompleteLog(sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let counts = sandbox.requestCounts()
        let logged = sandbox.requestLog().count
        #expect(logged == counts.performChat.total + counts.commBox.total,
                "the sandbox's request log lost entries: raise requestLogCapacity", sourceLocation: sourceLocation)
    }
}

extension SandboxConfiguration {
    /// No request budget at either provider (the workspace's config lets usersync send 60,000
    /// a minute), a request log large enough to keep every request of a test.
    static func unthrottled(seed: UInt64? = nil, requestLogCapacity: Int = 200_000) -> SandboxConfiguration {
        SandboxConfiguration(
            performChatLimit: SandboxRateLimit(requestsPerMinute: nil), commBoxLimit: SandboxRateLimit(requestsPerMinute: nil),
            performChatTokenRequestsPerMinute: nil, seed: seed, requestLogCapacity: requestLogCapacity)
    }
}

/// Parses a JSON object printed by `--json`.
func parseJSONObject(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let data = Data(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
    let value = try JSONSerialization.jsonObject(with: data)
    return try #require(value as? [String: Any], "not a JSON object: \(text.prefix(500))", sourceLocation: sourceLocation)
}

/// Parses a JSON array printed by `--json`.
func parseJSONArray(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    let data = Data(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
    let value = try JSONSerialization.jsonObject(with: data)
    return try #require(value as? [[String: Any]], "not a JSON array of objects: \(text.prefix(500))", sourceLocation: sourceLocation)
}

/// Runs `sqlite3 PATH SQL` when the CLI is installed; nil when it is not.
func sqlite3(_ path: String, _ sql: String) throws -> String? {
    let candidates = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/bin/sqlite3"]
    guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = ["-readonly", path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
