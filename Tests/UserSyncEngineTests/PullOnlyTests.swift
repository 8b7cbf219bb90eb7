import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// `sync.direction: pull` on a fresh state: nothing pushes, so the ids are looked up once and
/// the providers' values become the merge base; later provider edits then flow back.
@Suite("Pull only on a fresh state")
struct PullOnlyTests {
    @Test(.timeLimit(.minutes(1)))
    func theProvidersValuesBecomeTheBaseAndLaterEditsFlowBack() async throws {
        try await withBiFixture { f in
            // Given two local users that both providers already hold, with other names
            let options = BiOptions(source: .jsonl, direction: "pull")
            try f.writeJSONL(BiUser.pair)
            try f.sandbox.seedPerformChatUsers(BiUser.pair.map {
                SandboxPerformChatSeed(externalID: $0.id, name: "Stale \($0.id)", email: $0.email, metadata: ["stale": true])
            })
            try f.sandbox.seedCommBoxUsers(BiUser.pair.map { SandboxCommBoxSeed(firstName: "Stale", email: $0.email) })
            let engine = try f.engine(options)

            // When the first pull-only cycle runs
            let first = try await engine.runCycle()

            // Then every user's ids are known and each provider's values are its merge base,
            // with nothing sent and nothing taken (no edit happened since)
            #expect(f.writes.performChat == 0 && f.writes.commBox == 0)
            #expect(first.remoteChanges == 0 && first.conflicts == 0)
            for user in BiUser.pair {
                #expect(try engine.store.providerUserID(provider: .commbox, externalID: user.id) != nil)
                #expect(try engine.store.remoteDocument(provider: .performchat, externalID: user.id)?["name"] == .string("Stale \(user.id)"))
                #expect(try engine.store.remoteDocument(provider: .commbox, externalID: user.id)?["FirstName"] == .string("Stale"))
            }
            #expect(try f.inboundLines().isEmpty)

            // When the next cycle runs, no user is looked up again (CommBox: one read per user, the pull)
            f.sandbox.resetRequests()
            _ = try await engine.runCycle()
            #expect(f.reads.commBox == 2)
            // and status does not call the differing users in sync
            let standings = try engine.store.syncStandings(provider: .performchat)
            #expect(standings.inSync == 0)
            #expect(standings.differing == 2)

            // When an agent then changes Ada's e-mail at perform.chat
            try f.editAtPerformChat("u1", email: "ada.new@example.com")
            let later = try await engine.runCycle()

            // Then the edit is pulled back
            #expect(later.remoteChanges == 1)
            let lines = try f.inboundLines()
            #expect(lines.count == 1)
            #expect(lines.first?["field"] == "email")
            #expect(lines.first?["new"] == .string("ada.new@example.com"))
            #expect(f.writes.performChat == 0 && f.writes.commBox == 0)
        }
    }
}
