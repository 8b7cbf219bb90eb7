import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// One person's data never lands on another person's profile. CommBox finds users by e-mail
/// (its ids are its own numbers): users who share an address are held there, a profile that
/// carries someone else's UniqueId is never written, and perform.chat (keyed by our external
/// id) still gets everyone.
@Suite("Identity: never write to the wrong person")
struct IdentityTests {
    static let ada = BiUser(id: "u1", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "free"])
    /// Same address, other case: the same mailbox.
    static let twin = BiUser(id: "u2", name: "Ada Twin", email: "ADA@Example.com", metadata: ["plan": "pro"])
    static let bob = BiUser(id: "u3", name: "Bob Builder", email: "bob@example.com", metadata: ["plan": "pro"])

    func seed(_ f: BiFixture, commBox: [SandboxCommBoxSeed]) throws {
        try f.sandbox.seedPerformChatUsers([Self.ada, Self.twin, Self.bob].map {
            SandboxPerformChatSeed(externalID: $0.id, name: "Stale \($0.id)", email: $0.email)
        })
        try f.sandbox.seedCommBoxUsers(commBox)
    }

    /// The CommBox user holding `email`, by its console's id.
    func commBoxUser(_ f: BiFixture, email: String) -> SandboxCommBoxUser? {
        f.sandbox.commBoxUsers().first { $0.identityEmails.contains { $0.caseInsensitiveCompare(email) == .orderedSame } }
    }

    func commBoxRequests(_ f: BiFixture, mentioning text: String) -> Int {
        f.sandbox.requestLog().filter { $0.provider == .commBox && $0.path.lowercased().contains(text.lowercased()) }.count
    }

    @Test(.timeLimit(.minutes(1)))
    func usersSharingAnEmailAreHeldAtCommBoxOnly() async throws {
        try await withBiFixture { f in
            try seed(f, commBox: [SandboxCommBoxSeed(firstName: "Console", email: "ada@example.com"), SandboxCommBoxSeed(firstName: "Stale", email: "bob@example.com")])
            try f.writeJSONL([Self.ada, Self.twin, Self.bob])
            let engine = try f.engine(BiOptions(source: .jsonl))
            let adaProfile = try #require(commBoxUser(f, email: "ada@example.com"))

            let first = try await engine.runCycle()
            #expect(first.plan.summary.sharedEmails == [["u1", "u2"]])
            // CommBox: not one request about Ada's address, her profile untouched; Bob synced.
            #expect(commBoxRequests(f, mentioning: "ada%40example.com") + commBoxRequests(f, mentioning: "ada@example.com") == 0)
            #expect(commBoxRequests(f, mentioning: "/users/\(adaProfile.id)") == 0)
            #expect(f.sandbox.commBoxUser(id: adaProfile.id) == adaProfile)
            f.expectAtCommBox(Self.bob, content: BiOptions().content)
            // perform.chat, keyed by our ids, gets both.
            f.expectAtPerformChat(Self.ada)
            f.expectAtPerformChat(Self.twin)

            // Both are held and say why, naming the other.
            let held = try engine.store.outboxItems(provider: .commbox)
            #expect(held.map(\.externalID).sorted() == ["u1", "u2"])
            #expect(held.allSatisfy { $0.state == .heldForIdentity })
            #expect(held.first { $0.externalID == "u1" }?.lastError?.contains("u2") == true)
            #expect(held.first { $0.externalID == "u2" }?.lastError?.contains("u1") == true)
            #expect(first.queues[.commbox]?.heldForIdentity == 2)
            #expect(first.text.contains("2 held for identity"), "\(first.text)")
            let explained = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(explained.text.contains("queued for commbox: HELD FOR IDENTITY"), "\(explained.text)")

            // Further cycles send nothing about them (only Bob's pulls) and change nothing.
            let writes = f.writes.commBox
            _ = try await f.cycles(engine, 3)
            #expect(f.writes.commBox == writes)
            #expect(commBoxRequests(f, mentioning: "ada%40example.com") + commBoxRequests(f, mentioning: "/users/\(adaProfile.id)") == 0)
            #expect(f.sandbox.commBoxUser(id: adaProfile.id) == adaProfile)

            // The source tells them apart: re-checked at once, Ada found and written, the twin
            // (whose new address CommBox does not know) waits for creation.
            var twin = Self.twin
            twin.email = "twin@example.com"
            try f.writeJSONL([Self.ada, twin, Self.bob])
            _ = try await engine.runCycle()
            #expect(f.sandbox.commBoxUser(id: adaProfile.id)?.uniqueID == "u1")
            #expect(f.sandbox.commBoxUser(id: adaProfile.id)?.firstName == "Ada")
            let after = try engine.store.outboxItems(provider: .commbox)
            #expect(after.map(\.externalID) == ["u2"])
            #expect(after.first?.state == .parked)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aProfileFoundByEmailWithAnotherUniqueIdIsNeverWritten() async throws {
        try await withBiFixture { f in
            try seed(f, commBox: [SandboxCommBoxSeed(uniqueID: "crm-77", firstName: "Someone", lastName: "Else", email: "ada@example.com")])
            try f.writeJSONL([Self.ada])
            let engine = try f.engine(BiOptions(source: .jsonl))
            let profile = try #require(commBoxUser(f, email: "ada@example.com"))
            _ = try await f.cycles(engine, 2)
            #expect(f.sandbox.commBoxUser(id: profile.id) == profile, "not one byte written to someone else's profile")
            #expect(f.writes.commBox == 0)
            let held = try #require(try engine.store.outboxItems(provider: .commbox).first)
            #expect(held.state == .heldForIdentity)
            #expect(held.lastError?.contains("crm-77") == true, "\(held.lastError ?? "")")
            #expect(try engine.store.providerUserID(provider: .commbox, externalID: "u1") == nil)
            f.expectAtPerformChat(Self.ada)
        }
    }

    /// A user already bound to a profile keeps it; a newcomer whose address finds that
    /// profile (it now carries the first user's UniqueId) is held, never bound to it.
    @Test(.timeLimit(.minutes(1)))
    func aNewcomerNeverTakesOverABoundProfile() async throws {
        try await withBiFixture { f in
            try seed(f, commBox: [SandboxCommBoxSeed(firstName: "Stale", email: "ada@example.com")])
            try f.writeJSONL([Self.ada])
            let engine = try f.engine(BiOptions(source: .jsonl))
            _ = try await engine.runCycle()
            let profile = try #require(commBoxUser(f, email: "ada@example.com"))
            #expect(profile.uniqueID == "u1")

            // Ada moves to a new address; a newcomer arrives with her old one.
            var ada = Self.ada
            ada.email = "ada.new@example.com"
            let newcomer = BiUser(id: "u9", name: "New Comer", email: "ada@example.com")
            try f.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u9", name: "x", email: "ada@example.com")])
            try f.writeJSONL([ada, newcomer])
            _ = try await f.cycles(engine, 2)
            let after = try #require(f.sandbox.commBoxUser(id: profile.id))
            #expect(after.uniqueID == "u1")
            #expect(after.firstName == "Ada")
            #expect(try engine.store.providerUserID(provider: .commbox, externalID: "u9") == nil)
            let held = try engine.store.outboxItems(provider: .commbox, externalID: "u9").first
            #expect(held?.state == .heldForIdentity)
            #expect(held?.lastError?.contains("u1") == true)
        }
    }
}
