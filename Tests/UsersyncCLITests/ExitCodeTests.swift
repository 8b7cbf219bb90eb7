import Foundation
import Testing
import UserSyncSandbox

/// C. The exit status of `sync --once` says how the cycle went (README, "Exit status").
@Suite("sync --once exit status")
struct ExitCodeTests {
    @Test("0: everything delivered; a second run sends nothing")
    func delivered() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(10)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            let run = try await s.syncOnce(["--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let doc = try parseJSONObject(run.stdout)
            #expect(doc["pushed"] as? Int == 20)
            #expect(s.sandbox.holds(users))
            #expect(run.stderr.contains("msg=\"cycle finished\""))
            s.sandbox.resetRequests()
            let again = try await s.syncOnce()
            #expect(again.status == 0)
            #expect(again.stdout.contains("Source unchanged since the last cycle"), "\(again.stdout)")
            #expect(s.sandbox.requestCounts().performChat.total + s.sandbox.requestCounts().commBox.total == 0)
        }
    }

    @Test("75: every request answered 503, changes wait for a retry")
    func retryPending() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(10)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            for provider in SandboxProvider.allCases {
                s.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: provider)
            }
            let run = try await s.syncOnce()
            #expect(run.status == 75, "\(run.stderr)")
            #expect(run.stderr.contains("delivery failed, will retry"))
            #expect(run.stderr.contains("status=503"))
            let store = try #require(try s.state())
            #expect(try store.outboxCount() == 20)
            #expect(try store.deadLetters().isEmpty)

            // Once the provider recovers, the next cycles deliver everything.
            for provider in SandboxProvider.allCases { s.sandbox.setFaults(.none, for: provider) }
            try await s.syncUntilDelivered(maxRuns: 10)
            #expect(s.sandbox.holds(users))
        }
    }

    @Test("65: a 400 or 422 from the provider moves the change to the dead letters")
    func deadLettered() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(4)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            #expect(try await s.syncOnce().status == 0)   // ids learned: the next requests are pushes

            var changed = users
            for i in changed.indices { changed[i].plan = "pro" }
            try s.workspace.writeUsers(changed)
            s.sandbox.setFaults(SandboxFaults(script: [422, 200, 200, 200]), for: .performChat)
            s.sandbox.setFaults(SandboxFaults(script: [400, 200, 200, 200]), for: .commBox)
            let run = try await s.syncOnce(["--json"])
            #expect(run.status == 65, "\(run.stderr)")
            #expect(run.stderr.contains("delivery refused, moved to dead letters"))
            let doc = try parseJSONObject(run.stdout)
            let providers = try #require(doc["providers"] as? [String: [String: Any]])
            #expect(providers["performchat"]?["dead_lettered"] as? Int == 1)
            #expect(providers["commbox"]?["dead_lettered"] as? Int == 1)
            #expect(providers["performchat"]?["pushed"] as? Int == 3)
            let store = try #require(try s.state())
            let dead = try store.deadLetters()
            #expect(dead.count == 2)
            #expect(Set(dead.compactMap(\.lastStatus)) == [400, 422])
            #expect(try store.outboxCount() == 0)
        }
    }

    @Test("69: refused credentials pause the provider; the other one still delivers")
    func providerPaused() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(5)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            var credentials = s.sandbox.credentials
            credentials.performChatKeySecret = "rotated-secret"
            s.sandbox.setCredentials(credentials)
            let run = try await s.syncOnce()
            #expect(run.status == 69, "\(run.stderr)")
            #expect(run.stderr.contains("credentials refused: provider paused"))
            #expect(run.stdout.contains("PAUSED"), "\(run.stdout)")
            // Not one failed authentication per user: the key must not get locked out.
            #expect(s.sandbox.requestCounts().performChat.status(401) <= 2)
            #expect(s.sandbox.commBoxUsers().filter { $0.firstName?.hasPrefix("First") == true }.count == 5)
            #expect(!run.stderr.contains("rotated-secret") && !run.stderr.contains("demo-key-secret"))
        }
    }

    @Test("69: one sync --once costs one failed authentication, not two",
          )
    func oneFailedLoginPerCycle() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(5)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            var credentials = s.sandbox.credentials
            credentials.performChatKeySecret = "rotated-secret"
            s.sandbox.setCredentials(credentials)
            #expect(try await s.syncOnce().status == 69)
            // perform.chat locks a key after 10 failed authentications in 5 minutes.
            #expect(s.sandbox.requestCounts().performChat.status(401) == 1, "\(s.sandbox.requestLog().map { "\($0.route) \($0.status)" })")
        }
    }

    @Test("79: a conflict held for an operator (conflict_policy manual), at both providers, until resolved")
    func heldForOperator() async throws {
        try await SyncScenario.with { s in
            // Given two users in sync under conflict_policy manual
            let users = TestUser.many(2)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, sync: "interval: 1s\n  conflict_policy: manual\n  pull_interval: 1ms")
            #expect(try await s.syncOnce().status == 0)
            // and u1's name then changed in the source and, differently, at perform.chat
            var changed = users
            changed[0].name = "Local One"
            try s.workspace.writeUsers(changed)
            try s.sandbox.editPerformChatUser(externalID: "u1", SandboxPerformChatChange(name: "Remote One"))
            s.sandbox.resetRequests()

            // When sync --once runs, and again
            let run = try await s.syncOnce()
            let again = try await s.syncOnce()

            // Then it exits 79 (not 75: waiting does not fix it), says what to do, and sends u1 to neither provider
            #expect(run.status == 79, "\(run.stdout)\n\(run.stderr)")
            #expect(again.status == 79, "\(again.stdout)\n\(again.stderr)")
            #expect(run.stdout.contains("1 conflict(s) held for an operator"), "\(run.stdout)")
            #expect(s.sandbox.requestCounts().performChat.route("PUT /customer-users/:id") == 0)
            #expect(s.sandbox.requestCounts().commBox.route("POST /users/:id") == 0)
            #expect(s.sandbox.performChatUser(externalID: "u1")?.name == "Remote One")
            #expect(s.sandbox.commBoxUsers().first { $0.uniqueID == "u1" }?.firstName == "First1")
            let store = try #require(try s.state())
            #expect(try store.outboxItems().filter { $0.externalID == "u1" }.map(\.state) == [.held, .held])

            // When the operator takes the provider's value
            let listed = try parseJSONArray(try await s.workspace.usersync(["conflicts", "list", "--json"]).stdout)
            let id = try #require(listed.first?["id"] as? Int)
            #expect(try await s.workspace.usersync(["conflicts", "resolve", "\(id)", "--take", "remote"]).status == 0)
            let settled = try await s.syncOnce()

            // Then the next sync exits 0 and CommBox gets the provider's value once, never the local one
            #expect(settled.status == 0, "\(settled.stdout)\n\(settled.stderr)")
            #expect(s.sandbox.commBoxUsers().first { $0.uniqueID == "u1" }?.firstName == "Remote")
            #expect(s.pushesPerUser(.commBox)["u1"] == 1)
            #expect(s.pushesPerUser(.performChat)["u1"] == nil)
        }
    }

    @Test("1: an unreadable source file, with a message naming its path")
    func unreadableSource() async throws {
        try await SyncScenario.with { s in
            try s.workspace.writeConfig(sandbox: s.sandbox)   // the source file is never written
            let run = try await s.syncOnce()
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains(s.workspace.sourceURL.path), "\(run.stderr)")
            #expect(run.stderr.contains("usersync: cannot open source \(s.workspace.sourceURL.path)"), "\(run.stderr)")
            // (The pull may already have read the providers; nothing is pushed.)
            #expect(s.sandbox.requestCounts().performChat.route("PUT /customer-users/:id") == 0)
            #expect(s.sandbox.requestCounts().commBox.route("POST /users/:id") == 0)

            // A directory where the file should be.
            try FileManager.default.createDirectory(at: s.workspace.sourceURL, withIntermediateDirectories: true)
            let directory = try await s.syncOnce()
            #expect(directory.status == 1, "\(directory.stderr)")
            #expect(directory.stderr.contains(s.workspace.sourceURL.path), "\(directory.stderr)")
            let dry = try await s.syncOnce(["--dry-run"])
            #expect(dry.status == 1, "\(dry.stderr)")
            #expect(dry.stderr.contains(s.workspace.sourceURL.path), "\(dry.stderr)")
        }
    }

    @Test("bad rows (invalid e-mail, duplicate id) are listed with their line numbers; exit 0")
    func badRows() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(4)
            try s.sandbox.seedExisting(users)
            let lines = [
                users[0].jsonLine,
                users[1].jsonLine,
                TestUser(id: "bad1", name: "Bad Mail", email: "nobody@localhost", plan: "free").jsonLine,   // line 3
                users[2].jsonLine,
                TestUser(id: "u1", name: "Again", email: "again@example.com", plan: "free").jsonLine,       // line 5: duplicate id
                users[3].jsonLine,
            ]
            try (lines.joined(separator: "\n") + "\n").write(to: s.workspace.sourceURL, atomically: true, encoding: .utf8)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            let run = try await s.syncOnce()
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("Rejected rows:"), "\(run.stdout)")
            #expect(run.stdout.contains("invalid_email: 1"), "\(run.stdout)")
            #expect(run.stdout.contains("line 3 [bad1]"), "\(run.stdout)")
            #expect(run.stdout.contains("line 5 [u1]"), "\(run.stdout)")
            #expect(run.stdout.contains("duplicate_external_id: 2"), "\(run.stdout)")
            #expect(run.stdout.contains("line 1 [u1]"), "\(run.stdout)")
            #expect(run.stderr.contains("msg=\"row rejected\""))
            #expect(run.stderr.contains("location=\"line 3\""), "\(run.stderr)")
            // Every good row still syncs; every copy of a duplicated id is skipped.
            #expect(s.sandbox.holds([users[1], users[2], users[3]]))
            #expect(s.sandbox.performChatUser(externalID: "u1")?.name == "old")
            let json = try await s.syncOnce(["--dry-run", "--json", "--force"])
            let doc = try parseJSONObject(json.stdout)
            #expect(doc["rejected"] as? Int == 3, "\(json.stdout)")
            let reasons = try #require(doc["rejected_by_reason"] as? [String: Int])
            #expect(reasons == ["invalid_email": 1, "duplicate_external_id": 2])
        }
    }
}

/// A saved pause outlives the process: `sync --once` from cron with a refused key costs one
/// failed login, not one a run (perform.chat locks a key after ten in five minutes).
@Suite("sync --once honours a saved pause")
struct SavedPauseTests {
    @Test(.timeLimit(.minutes(2)))
    func tenRunsWithARefusedKeyCostOneFailedLoginAndProbeAuthOneMore() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(3)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, providerOptions: "auth_probe_interval: 1h")
            let good = s.sandbox.credentials
            s.sandbox.setCredentials(SandboxCredentials(performChatKeyID: good.performChatKeyID, performChatKeySecret: "rotated", commBoxToken: good.commBoxToken))
            for _ in 0..<10 {
                let run = try await s.syncOnce()
                #expect(run.status == 69, "\(run.stderr)")
            }
            let refused = { s.sandbox.requestLog().filter { $0.provider == .performChat && $0.status == "401" }.count }
            #expect(refused() == 1, "one failed login for ten runs")
            let later = try await s.syncOnce()
            #expect(later.stderr.contains("provider paused after refused credentials"), "\(later.stderr)")

            // --probe-auth: exactly one more request, still refused.
            let probe = try await s.syncOnce(["--probe-auth"])
            #expect(probe.status == 69)
            #expect(refused() == 2)

            // Fixed: the probe goes through and everything is delivered.
            s.sandbox.setCredentials(good)
            let fixed = try await s.syncOnce(["--probe-auth"])
            #expect(fixed.status == 0, "\(fixed.stderr)")
            #expect(s.sandbox.holds(users))
        }
    }
}
