import Foundation
import Testing
import UserSyncCore
import UserSyncSandbox

/// `usersync status` tells the truth: one line per state per provider, and a user counts as
/// in sync only when nothing else holds it. Parked users come back within minutes, or at once
/// with `queue retry --parked`.
@Suite("status states and parked users (real binary)")
struct StatusStatesTests {
    @Test(.timeLimit(.minutes(3)))
    func everyStateHasItsLineAndOnlyTrulySyncedUsersCountAsInSync() async throws {
        try await SyncScenario.with { s in
            // Given six users; u3 does not exist at perform.chat (it is parked)
            let users = TestUser.many(6)
            _ = try s.sandbox.seedPerformChatUsers(users.filter { $0.id != "u3" }.map {
                SandboxPerformChatSeed(externalID: $0.id, name: "old", email: $0.email, metadata: [:])
            })
            _ = try s.sandbox.seedCommBoxUsers(users.map { SandboxCommBoxSeed(uniqueID: $0.id, firstName: "old", email: $0.email) })
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(
                sandbox: s.sandbox, sync: "interval: 1s\n  conflict_policy: manual\n  pull_interval: 1ms",
                retry: "base_delay: 1h\n  max_delay: 2h")
            #expect(try await s.syncOnce().status == 0)

            // u2 leaves the source; u4 is edited on both sides (a held conflict)
            var current = users.filter { $0.id != "u2" }
            current[2].name = "Local Four"
            try s.workspace.writeUsers(current)
            try s.sandbox.editPerformChatUser(externalID: "u4", SandboxPerformChatChange(name: "Remote Four"))
            #expect(try await s.syncOnce().status == 79)
            // (no more pulls from here on)
            try s.editConfig("pull_interval: 1ms", "pull_interval: 1h")

            // u5 changes and perform.chat answers 503: it waits for a retry (in an hour)
            current[3].plan = "pro"
            try s.workspace.writeUsers(current)
            s.sandbox.setFaults(SandboxFaults(script: [503]), for: .performChat)
            #expect(try await s.syncOnce().status == 79)

            // u6 changes and perform.chat refuses it: a dead letter
            current[4].plan = "pro"
            try s.workspace.writeUsers(current)
            s.sandbox.setFaults(SandboxFaults(script: [422]), for: .performChat)
            #expect(try await s.syncOnce().status == 65)

            // u1 changes and CommBox refuses the token: paused, u1 stays queued there
            current[0].plan = "pro"
            try s.workspace.writeUsers(current)
            var credentials = s.sandbox.credentials
            credentials.commBoxToken = "rotated"
            s.sandbox.setCredentials(credentials)
            #expect(try await s.syncOnce().status == 69)

            // and one CommBox user is held for identity (a state the id resolution sets)
            let identityRow = try sqlite3Write(s.workspace.statePath, """
                INSERT INTO outbox (provider, external_id, kind, document, digest, record, state, attempts, not_before, last_error, enqueued_at, updated_at)
                VALUES ('commbox', 'u9', 'create', '{}', 0, '{"external_id":"u9"}', 'identity', 0, 0, 'ambiguous e-mail match', 0, 0);
                """)

            // When status runs
            let text = try await s.workspace.usersync(["status"])
            #expect(text.status == 0, "\(text.stderr)")
            let out = text.stdout

            // Then perform.chat: u1 in sync; u2 left; u3 parked; u4 in conflict; u5 retrying; u6 dead
            func block(_ lines: String...) -> String { lines.joined(separator: "\n") }
            #expect(out.contains(block(
                "performchat:", "  in sync: 1", "  queued: 0", "  retrying: 1", "  parked (awaiting creation): 1, next re-check ")), "\(out)")
            #expect(out.contains(block(
                "  held for identity: 0", "  in conflict: 1", "  dead letters: 1", "  left the source: 1", "commbox:")), "\(out)")
            // and CommBox: u3, u5, u6 in sync; u1 queued; u2 left; u4 held by the conflict
            #expect(out.contains(block("commbox:", "  in sync: 3", "  queued: 1 (oldest change queued ")), "\(out)")
            #expect(out.contains(block(
                "  retrying: 0", "  parked (awaiting creation): 0", "  held for identity: \(identityRow ? 1 : 0)", "  in conflict: 1",
                "  dead letters: 0", "  left the source: 1", "  PAUSED since ")), "\(out)")

            let json = try await s.workspace.usersync(["status", "--json"])
            #expect(json.status == 0, "\(json.stderr)")
            let doc = try parseJSONObject(json.stdout)
            let providers = try #require(doc["providers"] as? [String: [String: Any]])
            let pc = try #require(providers["performchat"])
            #expect(pc["in_sync"] as? Int == 1)
            #expect(pc["queued"] as? Int == 0)
            #expect(pc["retrying"] as? Int == 1)
            #expect(pc["parked"] as? Int == 1)
            #expect(pc["next_recheck_at"] is String)
            #expect(pc["held_for_identity"] as? Int == 0)
            #expect(pc["in_conflict"] as? Int == 1)
            #expect(pc["dead_letters"] as? Int == 1)
            #expect(pc["left_source"] as? Int == 1)
            #expect(pc["confirmed_users"] as? Int == 5)
            let cb = try #require(providers["commbox"])
            #expect(cb["in_sync"] as? Int == 3)
            #expect(cb["queued"] as? Int == 1)
            #expect(cb["held_for_identity"] as? Int == (identityRow ? 1 : 0))
            #expect(cb["in_conflict"] as? Int == 1)
            #expect(cb["left_source"] as? Int == 1)
            #expect(cb["paused"] is [String: Any])
            #expect(doc["open_conflicts"] as? Int == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func queueRetryParkedLooksParkedUsersUpAtOnce() async throws {
        try await SyncScenario.with { s in
            // Given u3, missing at perform.chat, parked by a first sync
            let users = TestUser.many(3)
            _ = try s.sandbox.seedPerformChatUsers(users.prefix(2).map {
                SandboxPerformChatSeed(externalID: $0.id, name: "old", email: $0.email, metadata: [:])
            })
            _ = try s.sandbox.seedCommBoxUsers(users.map { SandboxCommBoxSeed(uniqueID: $0.id, firstName: "old", email: $0.email) })
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, sync: "interval: 1s\n  direction: push")
            #expect(try await s.syncOnce().status == 0)
            let status = try await s.workspace.usersync(["status"])
            #expect(status.stdout.contains("parked (awaiting creation): 1, next re-check "), "\(status.stdout)")
            // and since created at perform.chat (the user opened the chat)
            _ = try s.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u3", name: "old", email: users[2].email, metadata: [:])])

            // When sync runs again, the re-check is not due yet (10 minutes): u3 stays as it was
            #expect(try await s.syncOnce().status == 0)
            #expect(s.sandbox.performChatUser(externalID: "u3")?.name == "old")

            // When the operator asks for the re-check now
            let retry = try await s.workspace.usersync(["queue", "retry", "--parked", "--provider", "performchat"])
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(retry.stdout.contains("1 parked user(s) due for a re-check now"), "\(retry.stdout)")
            let run = try await s.syncOnce()

            // Then the next sync updates u3, and nothing is parked any more
            #expect(run.status == 0, "\(run.stderr)")
            #expect(s.sandbox.holds(users))
            let after = try await s.workspace.usersync(["status", "--json"])
            let doc = try parseJSONObject(after.stdout)
            let providers = try #require(doc["providers"] as? [String: [String: Any]])
            #expect(providers["performchat"]?["parked"] as? Int == 0)
            #expect(providers["performchat"]?["in_sync"] as? Int == 3)

            // and --parked refuses an item id beside it
            let both = try await s.workspace.usersync(["queue", "retry", "7", "--parked"])
            #expect(both.status != 0)
        }
    }
}

@Suite("sync --once --force re-checks parked users (real binary)")
struct ForceRecheckTests {
    @Test(.timeLimit(.minutes(1)))
    func forceLooksParkedUsersUpAtOnce() async throws {
        try await SyncScenario.with { s in
            // Given u2 parked at perform.chat, then created there
            let users = TestUser.many(2)
            _ = try s.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u1", name: "old", email: users[0].email, metadata: [:])])
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, commbox: false, sync: "interval: 1s\n  direction: push")
            #expect(try await s.syncOnce().status == 0)
            _ = try s.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u2", name: "old", email: users[1].email, metadata: [:])])

            // When sync --once --force runs (the source did not change)
            let run = try await s.syncOnce(["--force"])

            // Then u2 is looked up and updated now, not in ten minutes
            #expect(run.status == 0, "\(run.stderr)")
            #expect(s.sandbox.performChatUser(externalID: "u2")?.name == users[1].name)
        }
    }
}

/// Runs `sqlite3 PATH SQL` for writing, when the CLI is installed: true when it ran.
func sqlite3Write(_ path: String, _ sql: String) throws -> Bool {
    let candidates = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/bin/sqlite3"]
    guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return false }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = [path, sql]
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
}

/// The service looks parked users up again on their own schedule, not the cycle's.
@Suite("the service re-checks parked users (real binary)", .serialized)
struct DaemonParkedRecheckTests {
    @Test(.timeLimit(.minutes(1)))
    func aParkedUserCreatedAtTheProviderIsUpdatedWithinOneRecheckInterval() async throws {
        try await DaemonHarness.with { h in
            // Given a service with hourly cycles and a 1 s re-check interval, and u2 missing at perform.chat
            let users = TestUser.many(2)
            _ = try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u1", name: "old", email: users[0].email, metadata: [:])])
            try h.workspace.writeUsers(users)
            try h.writeConfig(DaemonConfig(interval: "1h", performChatRecheck: "1s", commBox: false))
            let daemon = try h.startDaemon()
            let parked = await eventually(timeout: 20, poll: 0.1) {
                (try? h.state()?.queueStats(provider: .performchat).parked) == 1
            }
            #expect(parked, "\(daemon.stderr.suffix(2000))")

            // When the user is created at perform.chat (the user opened the chat)
            _ = try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u2", name: "old", email: users[1].email, metadata: [:])])
            let created = Date()

            // Then the service updates it within about one re-check interval, long before the next cycle
            let updated = await eventually(timeout: 10, poll: 0.1) { h.sandbox.performChatUser(externalID: "u2")?.name == users[1].name }
            #expect(updated, "\(daemon.stderr.suffix(3000))")
            // (1 s re-checks against hourly cycles: 8 s still tells them apart on a loaded machine)
            #expect(Date().timeIntervalSince(created) < 8)
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }
}
