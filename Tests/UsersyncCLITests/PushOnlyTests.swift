import Foundation
import Testing
import UserSyncSandbox

/// `sync.direction: push` overwrites provider edits by design, and says so where it is cheap
/// to know (README, "Push only and pull only").
@Suite("push only: overwritten provider edits are logged (real binary)")
struct PushOnlyTests {
    @Test(.timeLimit(.minutes(2)))
    func aPushOverwritingAProviderEditIsLoggedAtNotice() async throws {
        try await SyncScenario.with { s in
            // Given ten users in sync, push only
            let users = TestUser.many(10)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, sync: "interval: 1s\n  direction: push")
            #expect(try await s.syncOnce().status == 0)
            // and an agent then renames u1 at perform.chat while the source changes every plan
            // (10 updates: the list, one request, costs a tenth of them)
            try s.sandbox.editPerformChatUser(externalID: "u1", SandboxPerformChatChange(name: "Agent Edit"))
            var changed = users
            for i in changed.indices { changed[i].plan = "pro" }
            try s.workspace.writeUsers(changed)
            s.sandbox.resetRequests()

            // When sync --once runs
            let run = try await s.syncOnce()

            // Then the overwrite is logged at notice, naming the user and the field
            #expect(run.status == 0, "\(run.stderr)")
            let notices = run.stderr.split(separator: "\n").filter { $0.contains("push overwrites a field changed at the provider") }
            #expect(notices.count == 1, "\(run.stderr)")
            #expect(notices.first?.contains("level=notice") == true)
            #expect(notices.first?.contains("external_id=u1") == true)
            #expect(notices.first?.contains("field=name") == true)
            #expect(notices.first?.contains("provider=performchat") == true)
            // and the push still goes out (the source is the truth), for one list read
            #expect(s.sandbox.holds(changed))
            #expect(s.sandbox.requestCounts().performChat.route("GET /customer-users") == 1)
            #expect(s.sandbox.requestCounts().performChat.route("PUT /customer-users/:id") == 10)

            // When a later push replaces nothing edited at the provider, nothing is logged
            for i in changed.indices { changed[i].plan = "team" }
            try s.workspace.writeUsers(changed)
            let quiet = try await s.syncOnce()
            #expect(quiet.status == 0)
            #expect(!quiet.stderr.contains("push overwrites"), "\(quiet.stderr)")
        }
    }
}
