import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

@Suite("First real sync, and what later cycles cost")
struct InitialSyncTests {
    /// perform.chat at scale: 5,000 users that already exist there (with stale names) cost the
    /// whole list paged once (50 × 100) and one PUT each. CommBox is off here: the sandbox's
    /// identity lookup is linear in its user count, which makes 5,000 CommBox users take about
    /// a minute in a debug build; its cost per user is checked exactly below at 500 users.
    @Test(.timeLimit(.minutes(4)))
    func initialSyncOfFiveThousandExistingUsersCostsAboutOneRequestPerUserAtPerformChat() async throws {
        try await withEngineFixture { f in
            let users = (1...5000).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let engine = try f.engine(EngineOptions(commBox: false))
            let report = try await engine.runCycle()

            #expect(report.plan.summary.rowsRead == 5000)
            #expect(report.plan.summary.providers[.performchat]?.created == 5000)
            #expect(report.dispatch[.performchat]?.pushed == 5000)
            #expect(report.failed == 0)
            #expect(report.exitCode == SyncExitStatus.ok)

            let pc = f.counts.performChat
            #expect(pc.route("GET /customer-users") == 50)
            #expect(pc.route("PUT /customer-users/:id") == 5000)
            #expect(pc.total == 5050)
            #expect(Double(pc.total) / 5000 <= 1.02)
            #expect(pc.status(200) == pc.total)
            #expect(f.sandbox.requestLog().filter { $0.route == "GET /customer-users" }.allSatisfy { $0.path.contains("limit=100") })

            f.expectPerformChatMatches(users)
            #expect(try engine.store.remoteStateCount(provider: .performchat) == 5000)
            #expect(try engine.store.idMappingCount(provider: .performchat) == 5000)
            #expect(try engine.store.outboxCount() == 0)
            #expect(try engine.store.deadLetters().isEmpty)

            // And the next cycle, with nothing changed, costs nothing.
            f.sandbox.resetRequests()
            let second = try await engine.runCycle()
            #expect(second.plan.skippedUnchanged)
            #expect(f.counts.performChat.total == 0)
        }
    }

    @Test(.timeLimit(.minutes(4)))
    func initialSyncOfExistingUsersCostsExactlyOneLookupAndOneUpdatePerUserAtCommBox() async throws {
        try await withEngineFixture { f in
            let users = (1...500).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.seedCommBox(users)
            try f.writeSource(users)
            let options = EngineOptions()
            let engine = try f.engine(options)
            let report = try await engine.runCycle()

            #expect(report.dispatch[.performchat]?.pushed == 500)
            #expect(report.dispatch[.commbox]?.pushed == 500)
            #expect(report.exitCode == SyncExitStatus.ok)
            // perform.chat: 5 pages + 500 PUTs.
            #expect(f.counts.performChat.total == 505)
            // CommBox: ids are learned one e-mail lookup per user, then one update: 2 per user by design.
            let cb = f.counts.commBox
            #expect(cb.route("GET /users/by-identity") == 500)
            #expect(cb.route("POST /users/:id") == 500)
            #expect(cb.total == 1000)
            #expect(cb.status(200) == cb.total)

            f.expectPerformChatMatches(users)
            f.expectCommBoxMatches(users, content: options.content)
            for provider in [ProviderID.performchat, .commbox] {
                #expect(try engine.store.remoteStateCount(provider: provider) == 500)
                #expect(try engine.store.idMappingCount(provider: provider) == 500)
                #expect(try engine.store.outboxCount(provider: provider) == 0)
            }
        }
    }

    @Test func anUnchangedSourceCostsNothingEvenWhenPlanningIsForced() async throws {
        try await withEngineFixture { f in
            let users = (1...100).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.seedCommBox(users)
            try f.writeSource(users)
            let engine = try f.engine()
            let first = try await engine.runCycle()
            #expect(first.pushed == 200)
            f.sandbox.resetRequests()

            let second = try await engine.runCycle()
            #expect(second.plan.skippedUnchanged)
            #expect(second.plan.summary.changes == 0)
            #expect(second.pushed == 0)
            #expect(second.queued == 0)
            #expect(second.exitCode == SyncExitStatus.ok)
            #expect(f.counts.performChat.total == 0)
            #expect(f.counts.commBox.total == 0)

            let forced = try await engine.runCycle(forcePlan: true)
            #expect(!forced.plan.skippedUnchanged)
            #expect(forced.plan.summary.rowsRead == 100)
            #expect(forced.plan.summary.unchanged == 100)
            #expect(forced.plan.summary.changes == 0)
            #expect(forced.pushed == 0)
            #expect(f.counts.performChat.total == 0)
            #expect(f.counts.commBox.total == 0)
        }
    }

    @Test func aNewEngineOnTheSameStateAlsoSendsNothing() async throws {
        // What the daemon sees after a restart: everything it needs is in the state file.
        try await withEngineFixture { f in
            let users = (1...50).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.seedCommBox(users)
            try f.writeSource(users)
            _ = try await f.engine().runCycle()
            f.sandbox.resetRequests()
            let report = try await f.engine().runCycle()
            #expect(report.plan.skippedUnchanged)
            #expect(f.counts.performChat.total + f.counts.commBox.total == 0)
        }
    }

    @Test func changingOnePercentCostsOneRequestPerChangedUserPerProvider() async throws {
        try await withEngineFixture { f in
            var users = (1...500).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.seedCommBox(users)
            try f.writeSource(users)
            let options = EngineOptions()
            let engine = try f.engine(options)
            _ = try await engine.runCycle()
            f.sandbox.resetRequests()

            let changed = Set(stride(from: 7, through: 500, by: 100))  // 5 users: 1 %
            for n in changed { users[n - 1] = SourceUser.numbered(n, version: 2) }
            try f.writeSource(users)
            let report = try await engine.runCycle()

            #expect(report.plan.summary.rowsRead == 500)
            #expect(report.plan.summary.unchanged == 495)
            #expect(report.plan.summary.providers[.performchat]?.updated == 5)
            #expect(report.plan.summary.providers[.commbox]?.updated == 5)
            #expect(report.plan.changedFields[.performchat]?["name"] == 5)
            #expect(report.plan.changedFields[.performchat]?["metadata.v"] == 5)
            #expect(report.pushed == 10)
            // ids are known by now: no lookups, one update each.
            #expect(f.counts.performChat.total == 5)
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 5)
            #expect(f.counts.commBox.total == 5)
            #expect(f.counts.commBox.route("POST /users/:id") == 5)
            f.expectPerformChatMatches(users)
            f.expectCommBoxMatches(users, content: options.content)
        }
    }

    @Test func aMetadataKeyDroppedFromTheSourceIsDroppedAtPerformChat() async throws {
        try await withEngineFixture { f in
            var user = SourceUser(id: "ada", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "pro", "legacy": "x"])
            try f.seedPerformChat([user])
            try f.writeSource([user])
            let engine = try f.engine(EngineOptions(commBox: false))
            _ = try await engine.runCycle()
            #expect(f.sandbox.performChatUser(externalID: "ada")?.metadata == ["plan": "pro", "legacy": "x"])
            user.metadata["legacy"] = nil
            try f.writeSource([user])
            _ = try await engine.runCycle()
            #expect(f.sandbox.performChatUser(externalID: "ada")?.metadata == ["plan": "pro"])
        }
    }
}
