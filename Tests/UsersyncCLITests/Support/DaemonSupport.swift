import Foundation
import Synchronization
import Testing
import UserSyncCore
import UserSyncSandbox
import UserSyncStore

// Helpers for the `usersync run` end-to-end tests (Daemon*Tests.swift).

/// One scenario: an in-process sandbox, a workspace, and the daemons started in it. Always
/// torn down by `DaemonHarness.with`, even when the test throws: no child outlives its test.
final class DaemonHarness: @unchecked Sendable {
    let sandbox: SandboxServer
    let workspace: Workspace
    private let children = Mutex<[RunningProcess]>([])

    private init(sandbox: SandboxServer, workspace: Workspace) {
        self.sandbox = sandbox
        self.workspace = workspace
    }

    static func with<T>(
        sandbox configuration: SandboxConfiguration = SandboxConfiguration(), _ body: (DaemonHarness) async throws -> T
    ) async throws -> T {
        let sandbox = SandboxServer(configuration: configuration)
        try await sandbox.start()
        let harness = DaemonHarness(sandbox: sandbox, workspace: try Workspace())
        do {
            let result = try await body(harness)
            await harness.tearDown()
            return result
        } catch {
            await harness.tearDown()
            throw error
        }
    }

    private func tearDown() async {
        for child in children.withLock({ $0 }) where child.isRunning {
            child.signal(SIGKILL)
            _ = await child.waitForExit(timeout: 5)
        }
        try? await sandbox.shutdown()
        if ProcessInfo.processInfo.environment["USERSYNC_KEEP_TEST_DIRS"] == nil { workspace.remove() }
    }

    /// Starts `usersync run` on this workspace's config.
    func startDaemon(environment: [String: String] = Workspace.environment) throws -> RunningProcess {
        let child = try workspace.startDaemon(environment: environment)
        children.withLock { $0.append(child) }
        return child
    }

    /// Starts `usersync ARGS --config <config>` in the background.
    func start(_ arguments: [String], environment: [String: String] = Workspace.environment) throws -> RunningProcess {
        let child = try RunningProcess(
            Binaries.usersync, arguments + ["--config", workspace.configURL.path], environment: environment,
            logDirectory: workspace.directory)
        children.withLock { $0.append(child) }
        return child
    }

    /// Writes the config (see `DaemonConfig`).
    func writeConfig(_ config: DaemonConfig) throws {
        try config.yaml(workspace: workspace, sandbox: sandbox).write(to: workspace.configURL, atomically: true, encoding: .utf8)
    }

    /// perform.chat / CommBox requests the sandbox answered, optionally since a time.
    func requests(_ provider: SandboxProvider, since: Date = .distantPast) -> [SandboxRequestLogEntry] {
        sandbox.requestLog().filter { $0.provider == provider && $0.time >= since }
    }

    /// The state, opened read-only (nil before the first run).
    func state() throws -> StateStore? {
        try StateStore.openReadOnly(path: workspace.statePath)
    }
}

/// The config of a daemon test, rendered to YAML with every key the tests vary.
struct DaemonConfig {
    var interval = "1s"
    var shutdownTimeout = "3s"
    var retry = "base_delay: 100ms\n  max_delay: 1s"
    var logLevel = "info"
    var logFormat = "logfmt"
    var showPII: Bool?
    var performChat = true
    /// How perform.chat's secret is given (`key_secret_env: …`, `key_secret_file: …`).
    var performChatSecret = "key_secret_env: TEST_PERFORMCHAT_SECRET"
    var performChatKeyID = "demo-key-id"
    var performChatConcurrency = 4
    var performChatRequestsPerMinute = 60000
    var performChatProbe = "2s"
    /// `providers.performchat.missing_recheck_interval` (nil: the default).
    var performChatRecheck: String?
    var commBox = true
    var commBoxToken = "token_env: TEST_COMMBOX_TOKEN"
    var commBoxConcurrency = 4
    var commBoxProbe = "2s"
    var content = "{ plan: Plan }"
    /// `source.settle_time`: 0s unless a test is about settling.
    var settleTime = "0s"
    /// `sync.guard` (nil: the defaults); `Workspace.guardRaised` for a test that changes every
    /// user in one cycle on purpose.
    var massChangeGuard: String?
    /// Appended verbatim (for a deliberately broken config).
    var extra = ""
    /// Replaces the JSONL source: the lines under `source:` (a postgres source).
    var sourceLines: [String]?

    func yaml(workspace: Workspace, sandbox: SandboxServer) -> String {
        var lines = [
            "state: { path: \(workspace.statePath) }",
            "source:",
        ]
        lines += sourceLines ?? [
            "  kind: jsonl",
            "  path: \(workspace.sourceURL.path)",
            "  settle_time: \(settleTime)",
            "  fields: { external_id: id, name: name, email: email, metadata: metadata }",
        ]
        lines += [
            "sync:",
            "  interval: \(interval)",
            "  shutdown_timeout: \(shutdownTimeout)",
            "  direction: push",
        ]
        if let massChangeGuard { lines.append("  \(massChangeGuard)") }
        lines += [
            "retry:",
            "  \(retry)",
            "log:",
            "  level: \(logLevel)",
            "  format: \(logFormat)",
        ]
        if let showPII { lines.append("  show_pii: \(showPII)") }
        lines.append("providers:")
        if performChat {
            lines += [
                "  performchat:",
                "    base_url: \"\(sandbox.baseURL(for: .performChat))\"",
                "    key_id: \(performChatKeyID)",
                "    \(performChatSecret)",
                "    requests_per_minute: \(performChatRequestsPerMinute)",
                "    concurrency: \(performChatConcurrency)",
                "    timeout: 5s",
                "    auth_probe_interval: \(performChatProbe)",
            ]
            if let performChatRecheck { lines.append("    missing_recheck_interval: \(performChatRecheck)") }
        }
        if commBox {
            lines += [
                "  commbox:",
                "    base_url: \"\(sandbox.baseURL(for: .commBox))\"",
                "    \(commBoxToken)",
                "    requests_per_minute: 60000",
                "    concurrency: \(commBoxConcurrency)",
                "    timeout: 5s",
                "    auth_probe_interval: \(commBoxProbe)",
                "    content: \(content)",
            ]
        }
        return (lines + (extra.isEmpty ? [] : [extra])).joined(separator: "\n") + "\n"
    }
}

extension Workspace {
    /// Writes the source from raw JSONL lines.
    func writeSourceLines(_ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(to: sourceURL, atomically: true, encoding: .utf8)
    }
}

extension SandboxServer {
    /// True when perform.chat alone holds the source's name, e-mail and plan for every user.
    func performChatHolds(_ users: [TestUser]) -> Bool {
        let pc = Dictionary(performChatUsers().map { ($0.externalID, $0) }) { a, _ in a }
        return users.allSatisfy { u in
            guard let p = pc[u.id] else { return false }
            return p.name == u.name && p.email == u.email && p.metadata["plan"] == .string(u.plan)
        }
    }

    /// True when CommBox alone holds the source's first name, e-mail and plan for every user.
    func commBoxHolds(_ users: [TestUser]) -> Bool {
        let cb = Dictionary(commBoxUsers().compactMap { u in u.uniqueID.map { ($0, u) } }) { a, _ in a }
        return users.allSatisfy { u in
            guard let c = cb[u.id] else { return false }
            return c.firstName == String(u.name.split(separator: " ").first!) && c.email == u.email
                && c.content["Plan"] == .string(u.plan)
        }
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass; returns the last answer.
func eventually(timeout: Double, poll: Double = 0.05, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(Int(poll * 1000)))
    }
    return try condition()
}

/// The log lines (stderr) of a process, one per element.
func logLines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
}

/// A stand-in for systemd's notify socket: a Unix datagram socket bound to a temporary path,
/// read on a background thread. Pass `path` as `NOTIFY_SOCKET`.
final class NotifySocket: Sendable {
    struct Message: Sendable {
        let time: Date
        let text: String
        /// `KEY=VALUE` lines of the datagram.
        var assignments: [String] { text.split(separator: "\n").map(String.init) }
    }

    let path: String
    private let fd: Int32
    private let received = Mutex<[Message]>([])
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameter onMessage: called on the receiving thread as each datagram arrives, for
    ///   tests that must react faster than polling allows.
    init(onMessage: (@Sendable (String) -> Void)? = nil) throws {
        // sun_path holds 108 bytes: stay short, under /tmp.
        path = "/tmp/usn-\(UUID().uuidString.prefix(12)).sock"
        let socketFD = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw POSIXError(.EIO) }
        fd = socketFD
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in bytes.enumerated() { buffer[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) }
        }
        guard bound == 0 else {
            close(socketFD)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 8192)
            while !stopped.load(ordering: .acquiring) {
                let n = recv(socketFD, &buffer, buffer.count, 0)
                if n > 0 {
                    let message = Message(time: Date(), text: String(decoding: buffer[0..<n], as: UTF8.self))
                    received.withLock { $0.append(message) }
                    onMessage?(message.text)
                }
            }
            finished.signal()
        }
    }

    var messages: [Message] { received.withLock { $0 } }

    /// Every datagram except watchdog pings, as text.
    var texts: [String] { messages.map(\.text).filter { $0 != "WATCHDOG=1" } }

    /// Waits until a datagram after the first `skip` ones satisfies `match`; returns it.
    func waitFor(timeout: Double, after skip: Int = 0, _ match: (String) -> Bool) async -> Message? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let found = messages.dropFirst(skip).first(where: { match($0.text) }) { return found }
            try? await Task.sleep(for: .milliseconds(20))
        } while Date() < deadline
        return nil
    }

    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
        close(fd)
        unlink(path)
    }

    deinit { stop() }
}

/// A pid set once the child is started, read from another thread.
final class PIDBox: Sendable {
    private let value = Atomic<Int32>(0)
    var pid: Int32 { value.load(ordering: .acquiring) }
    func set(_ pid: Int32) { value.store(pid, ordering: .releasing) }
}

// The built-in providers' names, as the state and the binary know them (this target does
// not link the providers' module, where they are declared).
extension ProviderID {
    static let performchat: ProviderID = "performchat"
    static let commbox: ProviderID = "commbox"
}
