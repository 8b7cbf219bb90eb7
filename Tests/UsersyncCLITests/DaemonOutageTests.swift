import Foundation
import Testing
import UserSyncSandbox
import UserSyncStore

/// Delivery through outages, end to end: the real `usersync run` against the sandbox. Time is
/// scaled down: `max_delay` (the longest wait between probes) is 100 ms here where it is 10 s
/// by default, so an 18 s outage is 180 probe waits: a 30-minute outage at the defaults.
/// `DaemonDefaultOutageTests` runs a 90-second outage unscaled, at the shipped defaults.
@Suite("usersync run: provider outages", .serialized)
struct DaemonOutageTests {
    static let sandbox = SandboxConfiguration(
        performChatLimit: SandboxRateLimit(requestsPerMinute: nil), commBoxLimit: SandboxRateLimit(requestsPerMinute: nil),
        performChatTokenRequestsPerMinute: nil, seed: 5, requestLogCapacity: 50_000)

    @Test(.timeLimit(.minutes(4)))
    func aThirtyMinuteOutageScaledCostsOneProbePerWaitNoDeadLetterAndDrainsRightAfter() async throws {
        try await DaemonHarness.with(sandbox: Self.sandbox) { h in
            let users = TestUser.many(200)
            let maxDelay = 0.1
            // Three attempts would dead-letter a change in well under a second of failures.
            let daemon = try await h.startCommBoxInSync(users, retry: "base_delay: 20ms\n  max_delay: 100ms\n  max_attempts: 3")
            // CommBox goes down; then all 200 users change.
            h.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: .commBox)
            let changed = users.map { TestUser(id: $0.id, name: $0.name, email: $0.email, plan: "pro") }
            let down = Date()
            try h.workspace.writeUsers(changed)
            try await Task.sleep(for: .seconds(180 * maxDelay))
            let recovered = Date()
            h.sandbox.setFaults(.none, for: .commBox)

            // While it lasted: the failures that opened the circuit (open_after, 5, plus the 4 in
            // flight), then one probe per wait: the first waits 25–50 ms, from the second on
            // max_delay with equal jitter, 50–100 ms. Never a burst.
            #expect(try await eventually(timeout: 30) { try h.drained(changed) }, "\(daemon.stderr.suffix(3000))")
            let drainedAt = Date()
            let outage = OutageTimeline(h, .commBox, down: down, recovered: recovered)
            let burst = 5 + 4
            let gaps = outage.gaps(afterBurst: burst)
            #expect((gaps.min() ?? 1) >= 0.024, "probes \(gaps.min() ?? 0) s apart: \(outage.summary)")
            let settled = try #require(outage.probes(afterBurst: burst).first).time.addingTimeInterval(1)
            let steady = outage.gaps(afterBurst: burst, from: settled)
            #expect((steady.min() ?? 1) >= maxDelay / 2 - 0.001, "probes \(steady.min() ?? 0) s apart once the wait is max_delay")
            #expect(steady.count <= Int(recovered.timeIntervalSince(settled) / (maxDelay / 2)) + 1, "\(outage.summary)")

            // Recovery: the next probe succeeds, and the queue drains at full rate right after
            // it. Logged once per transition, not once per change.
            try outage.expectRecovery(drained: drainedAt.timeIntervalSince(recovered), maxDelay: maxDelay, lateness: 1.5, harness: h, log: daemon.stderr)
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    /// One user whose every update fails while the 199 others go through: it ends in the dead
    /// letters alone, after its own attempts, and the circuit never opens.
    @Test(.timeLimit(.minutes(2)))
    func onePoisonUserAmongTwoHundredIsDeadLetteredAlone() async throws {
        try await DaemonHarness.with(sandbox: Self.sandbox) { h in
            let users = TestUser.many(200)
            let daemon = try await h.startCommBoxInSync(users, retry: "base_delay: 20ms\n  max_delay: 100ms\n  max_attempts: 4")
            let poison = try #require(h.sandbox.commBoxUsers().first { $0.uniqueID == "u17" })
            h.sandbox.setFaults(SandboxFaults(failureStatus: 500, poisonPath: "/users/\(poison.id)"), for: .commBox)
            let changed = users.map { TestUser(id: $0.id, name: $0.name, email: $0.email, plan: "team") }
            try h.workspace.writeUsers(changed)
            let others = changed.filter { $0.id != "u17" }
            #expect(await eventually(timeout: 20) { h.sandbox.commBoxHolds(others) })
            #expect(await eventually(timeout: 20) { (try? h.state()?.deadLetters().count) == 1 })
            let dead = try #require(try h.state()?.deadLetters().first)
            #expect(dead.externalID == "u17")
            #expect(dead.attempts == 4)
            #expect(!daemon.stderr.contains("circuit open"), "one poison change is no outage")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    /// A flaky provider pair: 20 % of requests answered 503 and 5 % dropped, at both. 3,000
    /// users converge at each, perform.chat's ids learned by paging its list.
    @Test(.timeLimit(.minutes(4)))
    func threeThousandUsersConvergeThroughTwentyPercentFailuresAndDrops() async throws {
        try await DaemonHarness.with(sandbox: Self.sandbox) { h in
            let users = TestUser.many(3000)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            let flaky = SandboxFaults(failureRate: 0.2, failureStatus: 503, dropRate: 0.05, seed: 42)
            h.sandbox.setFaults(flaky, for: .performChat)
            h.sandbox.setFaults(flaky, for: .commBox)
            var config = DaemonConfig()
            config.retry = "base_delay: 100ms\n  max_delay: 2s"
            config.performChatConcurrency = 16
            config.commBoxConcurrency = 16
            config.logLevel = "notice"
            try h.writeConfig(config)
            let started = Date()
            let daemon = try h.startDaemon()
            let converged = await eventually(timeout: 150, poll: 0.5) { h.sandbox.holds(users) }
            let took = Date().timeIntervalSince(started)
            #expect(converged, "not converged after \(Int(took)) s: \(daemon.stderr.suffix(2000))")
            #expect(took < 120, "converged in \(Int(took)) s")
            #expect(try h.state()?.deadLetters().isEmpty == true)
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 15) == 0)
        }
    }
}

extension DaemonHarness {
    /// CommBox only, in sync with `users`, the daemon running with these `retry` settings and
    /// every user allowed to change in one cycle (the outage tests change them all at once).
    func startCommBoxInSync(_ users: [TestUser], retry: String) async throws -> RunningProcess {
        try sandbox.seedExisting(users)
        try workspace.writeUsers(users)
        var config = DaemonConfig()
        config.performChat = false
        config.retry = retry
        config.interval = "1s"
        config.massChangeGuard = Workspace.guardRaised
        try writeConfig(config)
        let daemon = try startDaemon()
        // Only the set-up: 200 lookups and pushes, which a loaded CI machine running the other
        // suites beside it may take a while to get through.
        try #require(await eventually(timeout: 120) { sandbox.commBoxHolds(users) }, "\(daemon.stderr.suffix(2000))")
        return daemon
    }

    /// CommBox holds every change and the state has recorded it: nothing left in the outbox.
    func drained(_ users: [TestUser]) throws -> Bool {
        try sandbox.commBoxHolds(users) && state()?.outboxCount() == 0
    }
}
