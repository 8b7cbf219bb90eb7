import Foundation
import Testing
import UserSyncSandbox

/// `metrics.listen` serves Prometheus text from the running service; without it nothing listens.
@Suite("usersync run: metrics", .serialized)
struct DaemonMetricsTests {
    @Test(.timeLimit(.minutes(2)))
    func metricsAreServedWhenConfigured() async throws {
        try await DaemonHarness.with { h in
            // Given a service with metrics on a free loopback port and a user CommBox refuses
            let users = TestUser.many(3)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users + [TestUser(id: "bad", name: "Bad Row", email: "not-an-address", plan: "x")])
            let port = Int.random(in: 20_000...60_000)
            var config = DaemonConfig()
            config.extra = "metrics: { listen: \"127.0.0.1:\(port)\" }"
            try h.writeConfig(config)
            h.sandbox.setFaults(SandboxFaults(script: [422]), for: .commBox)
            let daemon = try h.startDaemon()

            // When its first cycle is done
            var body = ""
            let served = await eventually(timeout: 30, poll: 0.3) {
                body = Self.fetch("http://127.0.0.1:\(port)/metrics")
                return body.contains("usersync_cycle_duration_seconds_count") && body.contains("usersync_dead_letters{provider=\"commbox\"} 1")
            }

            // Then the documented series are there, with provider and reason labels
            #expect(served, "\(body)\n\(daemon.stderr.suffix(2000))")
            for series in [
                "usersync_changes_planned_total{provider=\"performchat\"}", "usersync_http_requests_total{provider=\"performchat\",status=\"200\"}",
                "usersync_deliveries_total{provider=\"performchat\",outcome=\"success\"}", "usersync_queue_depth{provider=\"commbox\"}",
                "usersync_rejected_rows_total{reason=\"invalid_email\"} 1",
            ] {
                #expect(body.contains(series), "missing \(series)")
            }
            #expect(!body.contains("demo-key-secret") && !body.contains("demo-commbox-token"))
            #expect(Self.fetch("http://127.0.0.1:\(port)/other").contains("not found"))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    /// curl (installed by scripts/setup.sh): the test target has no HTTP client of its own.
    static func fetch(_ url: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-s", "--max-time", "2", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
