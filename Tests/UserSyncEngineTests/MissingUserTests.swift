import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

@Suite("Users the provider does not have")
struct MissingUserTests {
    // MARK: parked

    @Test func aUserUnknownToPerformChatIsParkedNotFailed() async throws {
        try await withEngineFixture { f in
            let known = SourceUser.numbered(1)
            let newbie = SourceUser.numbered(2)
            try f.seedPerformChat([known])
            try f.writeSource([known, newbie])
            let engine = try f.engine(EngineOptions(commBox: false))
            let report = try await engine.runCycle()

            let dispatch = try #require(report.dispatch[.performchat])
            #expect(dispatch.pushed == 1)
            #expect(dispatch.parked == 1)
            #expect(dispatch.retrying == 0)
            #expect(dispatch.deadLettered == 0)
            #expect(report.queues[.performchat]?.parked == 1)
            #expect(report.exitCode == SyncExitStatus.ok)
            #expect(report.text.contains("1 awaiting creation"))

            let items = try engine.store.outboxItems(provider: .performchat)
            #expect(items.count == 1)
            #expect(items.first?.externalID == newbie.id)
            #expect(items.first?.state == .parked)
            #expect(items.first?.lastStatus == nil)
            #expect(items.first?.lastError?.contains("awaiting creation") == true)
            // Looked up again after `missing_recheck_interval` (default 10m).
            #expect(items.first.map { $0.notBefore > Date().timeIntervalSince1970 + 500 && $0.notBefore <= Date().timeIntervalSince1970 + 600 } == true)
            #expect(try engine.store.deadLetters().isEmpty)
            #expect(f.sandbox.performChatUser(externalID: newbie.id) == nil)
            #expect(f.counts.performChat.route("POST /auth/token") == 0)

            // Parked users are not looked up again on every cycle.
            f.sandbox.resetRequests()
            let again = try await engine.runCycle(forcePlan: true)
            #expect(again.plan.summary.changes == 0)
            #expect(f.counts.performChat.total == 0)
        }
    }

    @Test func aParkedUserChangedInTheSourceStaysParked() async throws {
        try await withEngineFixture { f in
            var newbie = SourceUser.numbered(2)
            try f.writeSource([newbie])
            let engine = try f.engine(EngineOptions(commBox: false))
            _ = try await engine.runCycle()
            newbie.name = "Renamed Newbie"
            try f.writeSource([newbie])
            f.sandbox.resetRequests()
            let report = try await engine.runCycle()
            #expect(report.plan.summary.providers[.performchat]?.updated == 1)
            let items = try engine.store.outboxItems(provider: .performchat)
            #expect(items.map(\.state) == [.parked])
            #expect(items.first?.record.name == "Renamed Newbie")
            #expect(f.counts.performChat.total == 0)
        }
    }

    @Test(arguments: SandboxTokenUserKey.allCases)
    func withCreateMissingTheUserIsCreatedThroughTokenGeneration(key: SandboxTokenUserKey) async throws {
        try await withEngineFixture(engineSandbox(tokenUserKey: key)) { f in
            let newbie = SourceUser.numbered(2)
            try f.writeSource([newbie])
            let engine = try f.engine(EngineOptions(commBox: false, createMissing: true, agentID: "agent-7"))
            let report = try await engine.runCycle()

            #expect(report.dispatch[.performchat]?.pushed == 1)
            #expect(report.dispatch[.performchat]?.parked == 0)
            #expect(try engine.store.outboxCount() == 0)
            let created = try #require(f.sandbox.performChatUser(externalID: newbie.id))
            #expect(created.name == newbie.name)
            #expect(created.email == newbie.email)
            #expect(SandboxJSON.object(created.metadata) == JSONValue.object(newbie.metadata).sandboxJSON)
            #expect(try engine.store.providerUserID(provider: .performchat, externalID: newbie.id) == created.id)
            #expect(f.counts.performChat.route("POST /auth/token") == 1)
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 1)
        }
    }

    @Test func aCommBoxUserWithoutAnIdentityIsParked() async throws {
        try await withEngineFixture { f in
            let user = SourceUser.numbered(3)
            try f.writeSource([user])
            let engine = try f.engine(EngineOptions(performChat: false))
            let report = try await engine.runCycle()
            #expect(report.dispatch[.commbox]?.parked == 1)
            #expect(try engine.store.outboxItems(provider: .commbox).map(\.state) == [.parked])
            #expect(f.counts.commBox.route("GET /users/by-identity") == 1)
            #expect(f.counts.commBox.route("POST /users/:id") == 0)
        }
    }

    // MARK: 404 on update

    @Test func aUserRecreatedUnderANewIDIsDeliveredToTheNewID() async throws {
        try await withEngineFixture { f in
            var users = (1...3).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let engine = try f.engine(EngineOptions(commBox: false))
            _ = try await engine.runCycle()
            let oldID = try #require(try engine.store.providerUserID(provider: .performchat, externalID: "u1"))

            // perform.chat lost the users and they came back (a new chat) under new ids.
            f.sandbox.reset()
            f.sandbox.setLimit(SandboxRateLimit(requestsPerMinute: nil), for: .performChat)
            try f.sandbox.seedPerformChatUsers(users.map { SandboxPerformChatSeed(id: "cu_new_\($0.id)", externalID: $0.id, name: $0.name, email: $0.email, metadata: ["stale": true]) })
            users[0].name = "Changed Name"
            try f.writeSource(users)
            let report = try await engine.runCycle()

            #expect(report.dispatch[.performchat]?.pushed == 1)
            #expect(report.dispatch[.performchat]?.deadLettered == 0)
            #expect(try engine.store.providerUserID(provider: .performchat, externalID: "u1") == "cu_new_u1")
            #expect(f.sandbox.performChatUser(externalID: "u1")?.name == "Changed Name")
            let log = f.sandbox.requestLog()
            #expect(log.map(\.route) == ["PUT /customer-users/:id", "GET /customer-users", "PUT /customer-users/:id"])
            #expect(log.map(\.status) == ["404", "200", "200"])
            #expect(log.first?.path == "/customer-users/\(oldID)")
            #expect(log.last?.path == "/customer-users/cu_new_u1")
        }
    }

    @Test func aStaleMappingIsReplacedBeforeTheFirstDelivery() async throws {
        try await withEngineFixture { f in
            let user = SourceUser.numbered(1)
            let seeded = try f.seedPerformChat([user])
            try f.writeSource([user])
            let engine = try f.engine(EngineOptions(commBox: false))
            try engine.store.storeIDMappings(provider: .performchat, [(externalID: "u1", providerUserID: "cu_stale")])
            let report = try await engine.runCycle()
            #expect(report.dispatch[.performchat]?.pushed == 1)
            #expect(try engine.store.providerUserID(provider: .performchat, externalID: "u1") == seeded[0].id)
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 2)
            #expect(f.counts.performChat.status(404) == 1)
            f.expectPerformChatMatches([user])
        }
    }

    @Test func aUserGoneForGoodIsDeadLetteredAfterOneFreshLookup() async throws {
        try await withEngineFixture { f in
            var users = (1...3).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let engine = try f.engine(EngineOptions(commBox: false))
            _ = try await engine.runCycle()

            // u1 was deleted at perform.chat; the others are still there.
            f.sandbox.reset()
            f.sandbox.setLimit(SandboxRateLimit(requestsPerMinute: nil), for: .performChat)
            try f.sandbox.seedPerformChatUsers(users.dropFirst().map { SandboxPerformChatSeed(id: "cu_re_\($0.id)", externalID: $0.id) })
            users[0].name = "Changed Name"
            try f.writeSource(users)
            let report = try await engine.runCycle()

            #expect(report.dispatch[.performchat]?.deadLettered == 1)
            #expect(report.exitCode == SyncExitStatus.deadLettered)
            let dead = try engine.store.deadLetters(provider: .performchat)
            #expect(dead.map(\.externalID) == ["u1"])
            #expect(dead.first?.lastStatus == 404)
            #expect(try engine.store.providerUserID(provider: .performchat, externalID: "u1") == nil)
            #expect(try engine.store.outboxCount(provider: .performchat) == 0)
            // One PUT (404), one lookup, no second PUT.
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 1)
            #expect(f.counts.performChat.route("GET /customer-users") == 1)
            #expect(f.counts.performChat.total == 2)

            // The dead letter is not re-sent until the source changes again.
            f.sandbox.resetRequests()
            _ = try await engine.runCycle(forcePlan: true)
            #expect(f.counts.performChat.total == 0)
        }
    }

    @Test func aCommBoxUserRecreatedUnderANewIDIsFoundAgainByEmail() async throws {
        try await withEngineFixture { f in
            var user = SourceUser.numbered(1)
            try f.seedCommBox([user])
            try f.writeSource([user])
            let engine = try f.engine(EngineOptions(performChat: false))
            _ = try await engine.runCycle()
            f.sandbox.reset()
            f.sandbox.setLimit(SandboxRateLimit(requestsPerMinute: nil), for: .commBox)
            try f.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(id: 777_777, email: user.email)])
            user.name = "New Name"
            try f.writeSource([user])
            let report = try await engine.runCycle()
            #expect(report.dispatch[.commbox]?.pushed == 1)
            #expect(try engine.store.providerUserID(provider: .commbox, externalID: "u1") == "777777")
            #expect(f.sandbox.commBoxUser(id: 777_777)?.firstName == "New")
            #expect(f.counts.commBox.route("POST /users/:id") == 2)
            #expect(f.counts.commBox.route("GET /users/by-identity") == 1)
        }
    }
}
