import Foundation
import Testing
import UserSyncCore
import UserSyncSandbox
import UserSyncStore

/// `usersync run` stopped by SIGTERM in the middle of a dispatch: it exits 0 within
/// `sync.shutdown_timeout`, records nothing it did not send, and a restart finishes the work.
@Suite("usersync run: SIGTERM", .serialized)
struct DaemonShutdownTests {
    @Test(.timeLimit(.minutes(2)))
    func sigtermDuringADispatchUnderLatencyStopsInTimeAndLosesNothing() async throws {
        try await DaemonHarness.with { h in
            // Given 40 users both providers hold in an older version, behind 300 ms of latency
            let users = TestUser.many(40)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.interval = "30s"
            config.shutdownTimeout = "3s"
            config.performChatConcurrency = 2
            config.commBoxConcurrency = 2
            try h.writeConfig(config)
            let slow = SandboxFaults(latencyMilliseconds: 300)
            h.sandbox.setFaults(slow, for: .performChat)
            h.sandbox.setFaults(slow, for: .commBox)
            let daemon = try h.startDaemon()

            // When SIGTERM arrives while updates are in flight
            let dispatching = await eventually(timeout: 30) {
                h.sandbox.requestCounts().performChat.route("PUT /customer-users/:id") >= 4
            }
            try #require(dispatching, "no update reached perform.chat: \(daemon.stderr.suffix(2000))")
            let signalled = Date()
            daemon.signal(SIGTERM)
            let status = await daemon.waitForExit(timeout: 3 + 10)
            let took = Date().timeIntervalSince(signalled)

            // Then it exits 0 within the shutdown bound, and says it stopped
            #expect(status == 0, "\(daemon.stderr.suffix(3000))")
            #expect(took < 3 + 2.5, "took \(took) s to stop")
            #expect(daemon.stderr.contains(#"msg="stopped; anything not yet delivered stays queued for the next start""#))
            #expect(!h.sandbox.holds(users), "the stop should have interrupted the work")
            if took >= 3 {
                // The bound ran out (id lookups do not watch the stop): the log says so.
                #expect(daemon.stderr.contains("shutdown timeout reached; in-flight requests were cancelled and stay queued"))
            }

            // And no user is recorded as sent that the sandbox never received; nothing is lost
            try Self.expectStateAgrees(with: h, users: users)

            // When the service starts again (no latency now)
            h.sandbox.setFaults(.none, for: .performChat)
            h.sandbox.setFaults(.none, for: .commBox)
            let restarted = try h.startDaemon()
            // Then it finishes the work, and the providers equal the source
            let converged = await eventually(timeout: 60, poll: 0.2) { h.sandbox.holds(users) }
            #expect(converged, "\(restarted.stderr.suffix(3000))")
            restarted.signal(SIGTERM)
            #expect(await restarted.waitForExit(timeout: 10) == 0)
            let store = try #require(try h.state())
            for provider in [ProviderID.performchat, .commbox] {
                #expect(try store.remoteStateCount(provider: provider) == users.count)
                #expect(try store.outboxCount(provider: provider) == 0)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anIdleServiceStopsAtOnce() async throws {
        try await DaemonHarness.with { h in
            // Given a service sleeping between cycles (the next one is an hour away)
            let users = TestUser.many(3)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.interval = "1h"
            config.shutdownTimeout = "10s"
            try h.writeConfig(config)
            let daemon = try h.startDaemon()
            #expect(await eventually(timeout: 30) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(2000))")
            try await Task.sleep(for: .milliseconds(300))
            // When SIGTERM (or SIGINT) arrives
            let signalled = Date()
            daemon.signal(SIGINT)
            // Then it stops at once, cleanly
            #expect(await daemon.waitForExit(timeout: 10) == 0)
            // (far below the 10 s bound, with room for a loaded machine)
            #expect(Date().timeIntervalSince(signalled) < 4)
            #expect(daemon.stderr.contains("stopped; anything not yet delivered"))
            #expect(!daemon.stderr.contains("shutdown timeout reached"))
        }
    }

    @Test(
        .timeLimit(.minutes(2)))
    func sigtermDuringIdResolutionDrainsInFlightRequestsOnly() async throws {
        try await DaemonHarness.with { h in
            // Given 40 users CommBox has but whose ids usersync must look up, 300 ms each
            let users = TestUser.many(40)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.performChat = false
            config.shutdownTimeout = "10s"
            config.commBoxConcurrency = 2
            try h.writeConfig(config)
            h.sandbox.setFaults(SandboxFaults(latencyMilliseconds: 300), for: .commBox)
            let daemon = try h.startDaemon()
            let resolving = await eventually(timeout: 15) { h.sandbox.requestCounts().commBox.total >= 3 }
            try #require(resolving)
            // When SIGTERM arrives
            let signalled = Date()
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 15) == 0)
            // Then only the request in flight is waited for (300 ms), not the 10 s bound
            #expect(Date().timeIntervalSince(signalled) < 5)
            #expect(!daemon.stderr.contains("reason=cancelled"), "\(daemon.stderr.suffix(2000))")
            #expect(!daemon.stderr.contains("shutdown timeout reached"))
        }
    }

    @Test(
        .timeLimit(.minutes(2)),
        )
    func workCutShortByAStopIsDueAtTheNextStart() async throws {
        try await DaemonHarness.with { h in
            // Given default retry settings and a stop that cuts the first dispatch short
            let users = TestUser.many(40)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.retry = "base_delay: 1s"
            config.shutdownTimeout = "1s"
            config.commBoxConcurrency = 2
            try h.writeConfig(config)
            h.sandbox.setFaults(SandboxFaults(latencyMilliseconds: 300), for: .commBox)
            let daemon = try h.startDaemon()
            try #require(await eventually(timeout: 15) { h.sandbox.requestCounts().commBox.total >= 3 })
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
            // When it starts again with the provider healthy
            h.sandbox.setFaults(.none, for: .commBox)
            let restarted = try h.startDaemon()
            // Then it finishes the work at once: nothing was refused, nothing needs a backoff
            #expect(await eventually(timeout: 15) { h.sandbox.holds(users) }, "\(restarted.stderr.suffix(3000))")
            let store = try #require(try h.state())
            #expect(try store.outboxItems(provider: .commbox).allSatisfy { $0.attempts == 0 })
            restarted.signal(SIGTERM)
            #expect(await restarted.waitForExit(timeout: 10) == 0)
        }
    }

    /// Every user the state records as confirmed at a provider carries the new values there
    /// (the seeds held "old"), and every user is either confirmed or still queued.
    static func expectStateAgrees(with h: DaemonHarness, users: [TestUser]) throws {
        let store = try #require(try h.state())
        let pc = Dictionary(uniqueKeysWithValues: h.sandbox.performChatUsers().map { ($0.externalID, $0) })
        let cb = Dictionary(uniqueKeysWithValues: h.sandbox.commBoxUsers().compactMap { u in u.uniqueID.map { ($0, u) } })
        var confirmed: [ProviderID: Int] = [:]
        for user in users {
            if try store.remoteDocument(provider: .performchat, externalID: user.id) != nil {
                confirmed[.performchat, default: 0] += 1
                #expect(pc[user.id]?.name == user.name, "\(user.id) recorded as sent to perform.chat, which holds \(String(describing: pc[user.id]?.name))")
            }
            if try store.remoteDocument(provider: .commbox, externalID: user.id) != nil {
                confirmed[.commbox, default: 0] += 1
                #expect(cb[user.id]?.firstName == String(user.name.split(separator: " ")[0]), "\(user.id) recorded as sent to CommBox, which holds \(String(describing: cb[user.id]?.firstName))")
            }
        }
        for provider in [ProviderID.performchat, .commbox] {
            let queued = try store.outboxCount(provider: provider)
            let dead = try store.deadLetters(provider: provider).count
            #expect(confirmed[provider, default: 0] + queued == users.count, "\(provider): \(confirmed[provider, default: 0]) confirmed + \(queued) queued")
            #expect(dead == 0)
        }
    }
}
