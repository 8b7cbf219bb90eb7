import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import UserSyncCore
import UserSyncProviders
import UserSyncSandbox
import UserSyncTesting

@Suite("perform.chat adapter over real HTTP")
struct PerformChatAdapterTests {
    // MARK: credentials in the body of a GET

    @Test func listIsAGetWithTheCredentialsInItsJSONBody() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(id: "cu_ada", externalID: "ada")])
            let resolved = await h.performChat().resolveIDs(for: [UserRecord(externalID: "ada")])
            #expect(resolved == ["ada": .found("cu_ada")])
            let log = h.log(.performChat)
            #expect(log.count == 1)
            #expect(log.first?.method == "GET")
            #expect(log.first?.route == "GET /customer-users")
            #expect(log.first?.status == "200")
        }
    }

    @Test func theSandboxRefusesABodylessGetSoTheBodyIsWhatAuthenticates() async throws {
        // The control experiment: the same GET without a body is a 401. If the adapter's client
        // dropped GET bodies, resolveIDs above would fail the same way.
        try await withProviderSandbox { h in
            var request = HTTPClientRequest(url: h.sandbox.baseURL(for: .performChat) + "/customer-users?page=1&limit=1")
            request.method = .GET
            let response = try await h.client.execute(request, timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 401)
        }
    }

    @Test func wrongCredentialsInTheBodyAreAnAuthenticationFailureNotAMissingUser() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "ada")])
            let resolved = await h.performChat(keySecret: "wrong").resolveIDs(for: [UserRecord(externalID: "ada")])
            guard case .failed(.authentication(let status, let message))? = resolved["ada"] else {
                Issue.record("expected an authentication failure, got \(String(describing: resolved["ada"]))")
                return
            }
            #expect(status == 401)
            #expect(message == "Invalid API credentials")
        }
    }

    // MARK: id mapping: filtered lookups vs paging

    @Test(arguments: [1, 2])
    func fewUnknownUsersCostOneFilteredLookupEach(unknown: Int) async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedPerformChatUsers((1...300).map { SandboxPerformChatSeed(externalID: "u\($0)") })
            let records = (1...unknown).map { UserRecord(externalID: "u\($0 * 7)") }
            let resolved = await h.performChat().resolveIDs(for: records)
            #expect(resolved.count == unknown)
            for record in records {
                let expected = h.sandbox.performChatUser(externalID: record.externalID)!.id
                #expect(resolved[record.externalID] == .found(expected))
            }
            let log = h.log(.performChat)
            #expect(log.count == unknown)
            for entry in log {
                #expect(entry.route == "GET /customer-users")
                #expect(entry.path.contains("limit=1"))
                #expect(!entry.path.contains("limit=100"))
            }
        }
    }

    @Test func aFewUnknownUsersMissingAtTheProviderComeBackMissing() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "known")])
            let resolved = await h.performChat().resolveIDs(for: [UserRecord(externalID: "known"), UserRecord(externalID: "ghost")])
            #expect(resolved["ghost"] == .missing)
            if case .found? = resolved["known"] {} else { Issue.record("known user not found: \(String(describing: resolved["known"]))") }
            #expect(h.counts.performChat.total == 2)
        }
    }

    @Test func manyUnknownUsersArePagedAtOneHundredPerRequest() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedPerformChatUsers((1...300).map { SandboxPerformChatSeed(externalID: "u\($0)") })
            // 250 unknown among 300 existing: 3 pages beat 250 lookups.
            let records = (1...250).map { UserRecord(externalID: "u\($0)") }
            let resolved = await h.performChat().resolveIDs(for: records)
            // Every user the provider has comes back, not only the ones asked.
            #expect(resolved.count == 300)
            for user in seeded { #expect(resolved[user.externalID] == .found(user.id)) }
            let log = h.log(.performChat)
            #expect(h.counts.performChat.total == 3)
            #expect(h.counts.performChat.route("GET /customer-users") == 3)
            #expect(log.allSatisfy { $0.path.contains("limit=100") })
            #expect(Set(log.map(\.path)).count == 3)
            for page in 1...3 { #expect(log.contains { $0.path.contains("page=\(page)&") || $0.path.hasSuffix("page=\(page)") }) }
        }
    }

    @Test func pagingMarksUnknownUsersTheListDoesNotHoldAsMissing() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedPerformChatUsers((1...150).map { SandboxPerformChatSeed(externalID: "u\($0)") })
            let records = (140...160).map { UserRecord(externalID: "u\($0)") }
            let resolved = await h.performChat().resolveIDs(for: records)
            for n in 140...150 { if case .found? = resolved["u\(n)"] {} else { Issue.record("u\(n) not found") } }
            for n in 151...160 { #expect(resolved["u\(n)"] == .missing) }
            #expect(h.counts.performChat.total == 2)
        }
    }

    @Test func aFewUnknownUsersInALongListCostTheFirstPagePlusOneLookupEach() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedPerformChatUsers((1...1000).map { SandboxPerformChatSeed(externalID: "u\($0)") })
            // 3 unknown, 10 pages: paging (10) would cost more than 1 + 3 lookups.
            let records = ["u5", "u500", "u999"].map { UserRecord(externalID: $0) }
            let resolved = await h.performChat().resolveIDs(for: records)
            for record in records {
                #expect(resolved[record.externalID] == .found(h.sandbox.performChatUser(externalID: record.externalID)!.id))
            }
            // u5 is on the first page; the other two need a lookup each.
            #expect(h.counts.performChat.total == 3)
        }
    }

    @Test func aKnownPerformChatIDCostsNoRequest() async throws {
        try await withProviderSandbox { h in
            let resolved = await h.performChat().resolveIDs(for: [UserRecord(externalID: "ada", providerIDs: [.performchat: "cu_9"])])
            #expect(resolved == ["ada": .found("cu_9")])
            #expect(h.counts.performChat.total == 0)
        }
    }

    @Test func aFailedListPageFailsEveryUnknownUserWithTheProvidersAnswer() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedPerformChatUsers((1...300).map { SandboxPerformChatSeed(externalID: "u\($0)") })
            // Page 2 fails three times in a row (a page is tried again twice after a passing failure).
            h.sandbox.setFaults(SandboxFaults(script: [200, 503, 503, 503]), for: .performChat)
            let records = (1...250).map { UserRecord(externalID: "u\($0)") }
            let resolved = await h.performChat().resolveIDs(for: records)
            // Page 1 answered, page 2 failed: users not seen yet are failures (to retry), never "missing".
            for n in 101...250 {
                guard case .failed(let response)? = resolved["u\(n)"] else {
                    Issue.record("u\(n): \(String(describing: resolved["u\(n)"]))")
                    continue
                }
                #expect(response.status == 503)
                #expect(response.isRetryLater)
            }
            for n in 1...100 { if case .found? = resolved["u\(n)"] {} else { Issue.record("u\(n) not found") } }
        }
    }

    // MARK: full-metadata PUT

    @Test func aPutReplacesTheMetadataWithExactlyTheObjectSent() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(
                externalID: "ada", name: "Ada", email: "ada@old.example",
                metadata: ["plan": "free", "seats": 1, "legacy": "drop me", "nested": ["a": 1, "b": 2]])])
            let adapter = h.performChat()
            let record = UserRecord(
                externalID: "ada", name: "Ada Lovelace", email: "ada@example.com",
                metadata: ["plan": "pro", "seats": 3, "nested": ["a": 1], "tags": ["x", "y"], "ratio": .number("0.5")])
            let document = try adapter.projector.project(record).get()
            let result = await adapter.push(document: document, providerUserID: seeded[0].id, record: record)
            #expect(result.response == .success)
            let stored = try #require(h.sandbox.performChatUser(externalID: "ada"))
            #expect(SandboxJSON.object(stored.metadata) == document["metadata"]!.sandboxJSON)
            #expect(stored.metadata["legacy"] == nil)
            #expect(stored.name == "Ada Lovelace")
            #expect(stored.email == "ada@example.com")
            #expect(h.counts.performChat.route("PUT /customer-users/:id") == 1)
        }
    }

    @Test func anEmptyMetadataObjectClearsTheStoredMetadata() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "ada", metadata: ["plan": "pro"])])
            let adapter = h.performChat()
            let record = UserRecord(externalID: "ada")
            let result = await adapter.push(document: try adapter.projector.project(record).get(), providerUserID: seeded[0].id, record: record)
            #expect(result.response == .success)
            #expect(h.sandbox.performChatUser(externalID: "ada")?.metadata == [:])
        }
    }

    @Test func providerIDsAreEscapedInThePath() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(id: "cu/1 a", externalID: "ada")])
            let adapter = h.performChat()
            let record = UserRecord(externalID: "ada", name: "Ada")
            let result = await adapter.push(document: try adapter.projector.project(record).get(), providerUserID: seeded[0].id, record: record)
            #expect(result.response == .success)
            #expect(h.sandbox.performChatUser(externalID: "ada")?.name == "Ada")
        }
    }

    // MARK: creation through token generation

    @Test(arguments: SandboxTokenUserKey.allCases)
    func missingUsersAreCreatedThroughTokenGenerationWhenAnAgentIsConfigured(key: SandboxTokenUserKey) async throws {
        try await withProviderSandbox(SandboxConfiguration.unlimited(tokenUserKey: key)) { h in
            let resolved = await h.performChat(agentID: "agent-1").resolveIDs(for: [UserRecord(externalID: "newbie")])
            let created = try #require(h.sandbox.performChatUser(externalID: "newbie"))
            #expect(resolved == ["newbie": .found(created.id)])
            #expect(h.counts.performChat.route("POST /auth/token") == 1)
        }
    }

    @Test func withoutAnAgentMissingUsersAreNotCreated() async throws {
        try await withProviderSandbox { h in
            let resolved = await h.performChat().resolveIDs(for: [UserRecord(externalID: "newbie")])
            #expect(resolved == ["newbie": .missing])
            #expect(h.sandbox.performChatUsers().isEmpty)
            #expect(h.counts.performChat.route("POST /auth/token") == 0)
        }
    }

    // MARK: fetch

    @Test func fetchReadsTheUserInTheProjectedShape() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(
                externalID: "ada", name: "Ada", email: "ada@example.com", metadata: ["plan": "pro", "n": 2])])
            let result = await h.performChat().fetch(providerUserID: seeded[0].id, externalID: "ada")
            guard case .user(let user) = result else {
                Issue.record("fetch failed: \(result)")
                return
            }
            #expect(user.providerUserID == seeded[0].id)
            #expect(user.externalID == "ada")
            #expect(user.document == ["name": "Ada", "email": "ada@example.com", "metadata": ["plan": "pro", "n": 2]])
            #expect(user.updatedAt != nil)
        }
    }

    @Test func fetchOfAUserTheProviderDoesNotHaveIsNotFound() async throws {
        try await withProviderSandbox { h in
            let result = await h.performChat().fetch(providerUserID: "cu_404", externalID: "ghost")
            guard case .failed(.notFound) = result else {
                Issue.record("expected notFound, got \(result)")
                return
            }
        }
    }
}
