import Foundation
import Testing
import UserSyncSandbox
import UserSyncStore

/// Delivery through outages, end to end: the real `usersync run` against the sandbox. Time is
/// scaled down: `max_delay` (the longest wait between probes) is a quarter of a second here
/// where it is 10 s by default, so an 8 s outage stands for about five minutes of probing.
@Suite("usersync run: provider outages", .serialized)
struct DaemonOutageTests {
    static let sandbox = SandboxConfiguration(
        performChatLimit: SandboxRateLimit(requestsPerMinute: nil), commBoxLimit: SandboxRateLimit(requestsPerMinute: nil),
        performChatTokenRequestsPerMinute: nil, seed: 5, requestLogCapacity: 50_000)

    /// CommBox only, in sync with 200 users; then every user changes while CommBox is down.
    func startInSync(_ h: DaemonHarness, users: [TestUser], retry: String) async throws -> RunningProcess {
        try h.sandbox.seedExisting(users)
        try h.workspace.writeUsers(users)
        var config = DaemonConfig()
        config.performChat = false
        config.retry = retry
        config.interval = "1s"
        // Every user changes in one cycle on purpose.
        config.massChangeGuard = Workspace.guardRaised
        try h.writeConfig(config)
        let daemon = try h.startDaemon()
        try #require(await eventually(timeout: 30) { h.sandbox.commBoxHolds(users) }, "\(daemon.stderr.suffix(2000))")
        return daemon
    }

    @Test(.timeLimit(.minutes(2)))
    func aLongOutageCostsOneProbePerWaitNoDeadLetterAndDrainsRightAfter() async throws {
        try await DaemonHarness.with(sandbox: Self.sandbox) { h in
            let users = TestUser.many(200)
            let daemon = try await startInSync(h, users: users, retry: "base_delay: 20ms\n  max_delay: 250ms\n  max_attempts: 3")
            // CommBox goes down; then all 200 users change.
            h.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: .commBox)
            let changed = users.map { TestUser(id: $0.id, name: $0.name, email: $0.email, plan: "pro") }
            let down = Date()
            try h.workspace.writeUsers(changed)
            try await Task.sleep(for: .seconds(8))
            let recovered = Date()
            h.sandbox.setFaults(.none, for: .commBox)

            // While it lasted: the first burst (at most open_after plus the requests in flight),
            // then about one request per probe wait (125–250 ms here), never a burst.
            let during = h.requests(.commBox, since: down).filter { $0.time < recovered }
            let steady = during.filter { $0.time > down.addingTimeInterval(2) }
            let gaps = zip(steady.dropFirst(), steady).map { $0.time.timeIntervalSince($1.time) }
            #expect((gaps.min() ?? 1) >= 0.05, "requests \(gaps.min() ?? 0) s apart during the outage")
            #expect(steady.count <= Int(recovered.timeIntervalSince(down.addingTimeInterval(2)) / 0.125) + 1, "\(steady.count) requests")
            #expect(during.count < 100, "\(during.count) requests during an 8 s outage for 200 changes")

            // Recovery: the queue drains at full rate within a probe wait (plus sending it).
            #expect(await eventually(timeout: 10) { h.sandbox.commBoxHolds(changed) }, "\(daemon.stderr.suffix(3000))")
            let drained = Date().timeIntervalSince(recovered)
            #expect(drained < 8, "drained \(drained) s after recovery: a probe wait (250 ms) and 200 requests")
            let state = try #require(try h.state())
            #expect(try state.deadLetters().isEmpty, "an outage costs no change")
            #expect(try state.outboxCount() == 0)

            // Logged once per transition, not once per change.
            let lines = logLines(daemon.stderr)
            #expect(lines.filter { $0.contains("circuit open") }.count == 1, "\(daemon.stderr.suffix(3000))")
            #expect(lines.filter { $0.contains("circuit closed") }.count == 1)
            #expect(lines.filter { $0.contains("delivery failed, will retry") }.count <= 1)
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
            let daemon = try await startInSync(h, users: users, retry: "base_delay: 20ms\n  max_delay: 100ms\n  max_attempts: 4")
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
