import Foundation
import Testing
import UserSyncSandbox

/// G. With `requests_per_minute` 10 % below the provider's limit, the provider never answers
/// 429. Time is scaled so the test stays short: the sandbox allows 600 requests per sliding
/// 6-second window (6,000/min) and usersync is set to 5,400/min; 2,000 updates then take about
/// 22 s instead of the 4 minutes (`scripts/bench-rate.sh` runs the real figure).
@Suite("rate limit")
struct RateLimitTests {
    @Test("2,000 updates at 90 % of the provider's limit: zero 429s", .timeLimit(.minutes(3)))
    func noThrottling() async throws {
        let configured = 5_400
        let sandboxLimit = SandboxRateLimit(requestsPerMinute: 600, windowMode: .sliding, windowSeconds: 6)
        var configuration = SandboxConfiguration.unthrottled()
        configuration.performChatLimit = sandboxLimit
        try await SyncScenario.with(sandbox: configuration) { s in
            let users = TestUser.many(2_000)
            _ = try s.sandbox.seedPerformChatUsers(users.map { SandboxPerformChatSeed(externalID: $0.id, name: "old", email: $0.email) })
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, commbox: false)
            try s.editConfig("requests_per_minute: 60000", "requests_per_minute: \(configured)")

            let run = try await s.syncOnce(["--json"], timeout: 150)
            #expect(run.status == 0, "\(run.stderr.suffix(3000))")
            let counts = s.sandbox.requestCounts().performChat
            #expect(counts.status(429) == 0, "the sandbox throttled \(counts.status(429)) requests")
            #expect(counts.route("PUT /customer-users/:id") == users.count)
            #expect(s.sandbox.performChatUsers().allSatisfy { $0.name?.hasPrefix("First") == true })

            let log = s.sandbox.requestLog().filter { $0.provider == .performChat }
            s.requireCompleteLog()
            let first = try #require(log.first).time
            let last = try #require(log.last).time
            let achieved = Double(log.count - 1) / last.timeIntervalSince(first) * 60
            // The busiest 6-second window, as the provider counts it.
            var busiest = 0
            var start = 0
            for end in log.indices {
                while log[end].time.timeIntervalSince(log[start].time) >= 6 { start += 1 }
                busiest = max(busiest, end - start + 1)
            }
            print("rate limit: \(log.count) requests, configured \(configured)/min, achieved \(Int(achieved))/min (\(Int(achieved / Double(configured) * 100)) %), busiest 6 s window \(busiest) (limit 600)")
            #expect(achieved <= Double(configured) * 1.01, "achieved \(achieved)/min, configured \(configured)/min")
            #expect(busiest <= 600)
            // How close it comes to the configured rate is not asserted here: on a shared CI
            // machine this run once reached only 49 %. `RateLimiterPacingTests` checks the
            // spacing on a manual clock; `scripts/bench-rate.sh` measures the rate (99.9 %).
        }
    }
}
