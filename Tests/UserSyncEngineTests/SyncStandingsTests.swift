import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// What `usersync status` counts as in sync: only users whose provider confirmed what the
/// source holds, with nothing else about them pending.
@Suite("Sync standings")
struct SyncStandingsTests {
    @Test(.timeLimit(.minutes(1)))
    func usersThatLeftTheSourceOrWhoseRowIsRejectedAreNotInSync() async throws {
        try await withEngineFixture { f in
            // Given three users in sync at perform.chat
            let users = (1...3).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let engine = try f.engine(EngineOptions(commBox: false))
            _ = try await engine.runCycle()
            #expect(try engine.store.syncStandings(provider: .performchat).inSync == 3)

            // When u2 leaves the source and u3's row becomes invalid
            var broken = users[2]
            broken.email = "not-an-address"
            try f.writeSource([users[0], broken])
            _ = try await engine.runCycle()

            // Then only u1 is in sync; u2 left the source, u3's row is rejected
            let standings = try engine.store.syncStandings(provider: .performchat)
            #expect(standings.inSync == 1)
            #expect(standings.leftSource == 1)
            #expect(standings.rejected == 1)

            // When both come back as they were, they are in sync again
            try f.writeSource(users)
            _ = try await engine.runCycle()
            #expect(try engine.store.syncStandings(provider: .performchat) == {
                var s = SyncStandings()
                s.inSync = 3
                s.mappedUsers = 3
                s.confirmedUsers = 3
                return s
            }())
        }
    }
}
