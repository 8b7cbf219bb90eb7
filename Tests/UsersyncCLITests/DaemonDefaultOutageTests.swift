import Foundation
import Testing
import UserSyncSandbox
import UserSyncStore

/// The outage the issue measured, unscaled: 90 seconds of CommBox answering 503 with 200
/// changes queued, the daemon running with the `retry` section of
/// `config/usersync.example.yaml` as shipped (probe waits 1 s doubling to `max_delay`, 10 s).
/// Takes about two minutes.
@Suite("usersync run: a 90-second outage at the shipped retry defaults", .serialized)
struct DaemonDefaultOutageTests {
    @Test(.timeLimit(.minutes(5)))
    func aNinetySecondOutageCostsOneProbePerWaitAndDrainsWithinAProbeWaitOfRecovery() async throws {
        let retry = try Self.exampleRetrySection()
        #expect(retry.contains("max_delay: 10s"), "the shipped defaults changed: \(retry)")
        let maxDelay = 10.0
        try await DaemonHarness.with(sandbox: DaemonOutageTests.sandbox) { h in
            let users = TestUser.many(200)
            let daemon = try await h.startCommBoxInSync(users, retry: retry)
            h.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: .commBox)
            let changed = users.map { TestUser(id: $0.id, name: $0.name, email: $0.email, plan: "pro") }
            let down = Date()
            try h.workspace.writeUsers(changed)
            #expect(await daemon.waitForStderr(timeout: 30) { $0.contains("circuit open") }, "\(daemon.stderr.suffix(3000))")
            try await Task.sleep(for: .seconds(90 - Date().timeIntervalSince(down)))
            let recovered = Date()
            h.sandbox.setFaults(.none, for: .commBox)

            #expect(try await eventually(timeout: 60, poll: 0.1) { try h.drained(changed) }, "\(daemon.stderr.suffix(3000))")
            let drained = Date().timeIntervalSince(recovered)
            let outage = OutageTimeline(h, .commBox, down: down, recovered: recovered)

            // While it lasted: the failures that opened the circuit (open_after, 5, and the 4 in
            // flight), then one probe per wait. The waits double from 1 s (0.5–1 s with
            // jitter); from the fifth on they are max_delay, 5–10 s, so after the first 15 s
            // fewer than one request per 5 s.
            let burst = 5 + 4
            let gaps = outage.gaps(afterBurst: burst)
            #expect((gaps.min() ?? 1) >= 0.45, "probes \(gaps.min() ?? 0) s apart: \(outage.summary)")
            let opened = try #require(outage.during.first).time
            let settled = opened.addingTimeInterval(1 + 2 + 4 + 8)
            let steady = outage.gaps(afterBurst: burst, from: settled)
            #expect((steady.min() ?? maxDelay) >= maxDelay / 2 - 0.01, "probes \(steady.min() ?? 0) s apart once the wait is max_delay")
            let steadyProbes = outage.probes(afterBurst: burst).filter { $0.time >= settled }.count
            #expect(steadyProbes <= Int(recovered.timeIntervalSince(settled) / (maxDelay / 2)) + 1, "\(outage.summary)")
            #expect(outage.during.count <= burst + 5 + steadyProbes, "\(outage.summary)")

            // Recovery: the next probe is at most max_delay away; it succeeds and the 200
            // changes go out at full rate at once. Logged once per transition, not per change.
            try outage.expectRecovery(drained: drained, maxDelay: maxDelay, lateness: 1, harness: h, log: daemon.stderr)
            print("90 s outage: \(outage.summary); drained \(String(format: "%.2f", drained)) s after the recovery")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 15) == 0)
        }
    }

    /// The `retry:` section of the shipped example, comments dropped, as `DaemonConfig.retry`
    /// takes it (the keys after the first, indented under `retry:`).
    static func exampleRetrySection() throws -> String {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/usersync.example.yaml")
        let lines = try String(contentsOf: example, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "retry:"), "no retry section in \(example.path)")
        let keys = lines[(start + 1)...].prefix { $0.isEmpty || $0.hasPrefix(" ") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        try #require(!keys.isEmpty, "the retry section of \(example.path) is empty")
        return keys.joined(separator: "\n  ")
    }
}
