import Foundation
import Testing
import UserSyncSandbox

/// The mass-change guard and plan → apply with the real binary: what an operator sees
/// (`sync --once` status, the warning, `status --json`), and what `approve` and `apply` send.
@Suite("CLI: mass-change guard, approve, plan and apply")
struct MassChangeGuardCLITests {
    @Test(.timeLimit(.minutes(5)))
    func anEmptiedEmailColumnIsHeldShownAndSentOnlyOnceApproved() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(1000)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, sync: "interval: 1s\n  direction: push")
            let first = try await s.syncOnce()
            #expect(first.status == 0, "a first sync is not held: \(first.stderr.suffix(2000))")

            let emptied = users.enumerated().map { i, u in
                var u = u
                if i < 800 { u.email = "" }
                return u
            }
            try s.workspace.writeUsers(emptied)
            s.sandbox.resetRequests()
            let held = try await s.syncOnce()
            #expect(held.status == 79, "held for an operator")
            #expect(s.sandbox.requestCounts().performChat.total == 0 && s.sandbox.requestCounts().commBox.total == 0)
            let warnings = held.stderr.split(separator: "\n").filter { $0.contains("mass change held") }
            #expect(warnings.count == 1, "one warning: \(held.stderr.suffix(3000))")
            #expect(warnings.first?.contains("email: 800 cleared") == true)
            #expect(warnings.first?.contains("80%") == true)
            #expect(held.stdout.contains("HELD: mass change"))

            let status = try await s.workspace.usersync(["status", "--json"])
            #expect(status.status == 0)
            let doc = try parseJSONObject(status.stdout)
            let providers = try #require(doc["providers"] as? [String: Any])
            for name in ["performchat", "commbox"] {
                let provider = try #require(providers[name] as? [String: Any])
                #expect(provider["held"] as? String == "held: mass change")
            }
            #expect((doc["held_mass_change"] as? [Any])?.count == 2)

            let approve = try await s.workspace.usersync(["approve"])
            #expect(approve.status == 0, "\(approve.stderr)")
            #expect(approve.stdout.contains("800 changes queued"))
            let sent = try await s.syncOnce()
            #expect(sent.status == 0, "\(sent.stdout)\n\(sent.stderr.suffix(2000))")
            #expect(s.pushesPerUser(.commBox).count == 800)
            #expect(s.sandbox.commBoxUsers().filter { ($0.email ?? "").isEmpty }.count == 800)
            let after = try parseJSONObject(try await s.workspace.usersync(["status", "--json"]).stdout)
            #expect((after["held_mass_change"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func planThenApplyOfAFiveThousandUserFirstSyncSendsExactlyThePlan() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(5000)
            _ = try s.sandbox.seedPerformChatUsers(users.map { SandboxPerformChatSeed(externalID: $0.id, name: "old", email: $0.email, metadata: [:]) })
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, commbox: false, sync: "interval: 1s\n  direction: push")
            let planPath = s.workspace.directory.appendingPathComponent("plan.jsonl").path

            let plan = try await s.workspace.usersync(["plan", "--out", planPath])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(s.sandbox.requestCounts().performChat.total == 0, "planning sends nothing")
            let lines = try String(contentsOfFile: planPath, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count == 5001, "the summary, then one line per change")
            let header = try parseJSONObject(lines[0])
            #expect(header["changes"] as? Int == 5000)
            #expect(header["source_fingerprint"] is String && header["state_version"] is String)
            #expect(!lines.contains { $0.contains("user1@example.com") }, "e-mails redacted")
            var planned: Set<String> = []
            for line in lines.dropFirst() {
                let change = try parseJSONObject(line)
                #expect(change["kind"] as? String == "create")
                planned.insert(try #require(change["external_id"] as? String))
            }

            let apply = try await s.workspace.usersync(["apply", planPath])
            #expect(apply.status == 0, "\(apply.stderr)")
            #expect(s.sandbox.requestCounts().performChat.total == 0, "apply only enqueues")
            let sync = try await s.syncOnce()
            #expect(sync.status == 0)
            #expect(sync.stdout.contains("Source unchanged"), "the applied plan is this source's plan")
            let pushes = s.pushesPerUser(.performChat)
            #expect(Set(pushes.keys) == planned && pushes.values.allSatisfy { $0 == 1 })

            // A later plan, the source edited after it: refused as stale, applied with --force.
            var edited = users
            edited[0].name = "Edited Once"
            try s.workspace.writeUsers(edited)
            #expect(try await s.workspace.usersync(["plan", "--out", planPath, "--show-pii"]).status == 0)
            #expect(try String(contentsOfFile: planPath, encoding: .utf8).contains("user1@example.com") == false, "no e-mail changed")
            edited[1].name = "Edited After Review"
            try s.workspace.writeUsers(edited)
            let stale = try await s.workspace.usersync(["apply", planPath])
            #expect(stale.status == 65)
            #expect(stale.stderr.contains("stale") && stale.stderr.contains("source changed"))
            let forced = try await s.workspace.usersync(["apply", planPath, "--force"])
            #expect(forced.status == 0, "\(forced.stderr)")
            s.sandbox.resetRequests()
            #expect(try await s.syncOnce().status == 0)
            #expect(s.pushesPerUser(.performChat).keys.sorted() == ["u1", "u2"])
        }
    }

    /// The service: a held plan sets `usersync_guard_held`, `status` says so, and `approve`
    /// beside the running service releases it at its next cycle.
    @Test(.timeLimit(.minutes(5)))
    func theServiceHoldsShowsTheMetricAndSendsOnceApproved() async throws {
        try await DaemonHarness.with { h in
            let users = TestUser.many(60)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            let port = Int.random(in: 20_000...60_000)
            var config = DaemonConfig()
            config.extra = "metrics: { listen: \"127.0.0.1:\(port)\" }"
            try h.writeConfig(config)
            let daemon = try h.startDaemon()
            try #require(await eventually(timeout: 30) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(2000))")

            // Every user renamed at once: over max_changed (10%) of 60 synced users.
            let renamed = users.map { TestUser(id: $0.id, name: "Renamed \($0.id)", email: $0.email, plan: $0.plan) }
            h.sandbox.resetRequests()
            try h.workspace.writeUsers(renamed)
            var body = ""
            let held = await eventually(timeout: 20, poll: 0.3) {
                body = DaemonMetricsTests.fetch("http://127.0.0.1:\(port)/metrics")
                return body.contains("usersync_guard_held{provider=\"performchat\"} 1") && body.contains("usersync_guard_held{provider=\"commbox\"} 1")
            }
            #expect(held, "\(body)\n\(daemon.stderr.suffix(2000))")
            #expect(h.sandbox.requestCounts().performChat.route("PUT /customer-users/:id") == 0)
            #expect(h.sandbox.requestCounts().commBox.route("POST /users/:id") == 0)
            let status = try await h.workspace.usersync(["status"])
            #expect(status.stdout.contains("HELD: MASS CHANGE"), "\(status.stdout)")
            #expect(daemon.stderr.contains("mass change held"))

            let approve = try await h.workspace.usersync(["approve", "--provider", "performchat"])
            #expect(approve.status == 0 && approve.stdout.contains("60 changes queued"), "\(approve.stdout)\(approve.stderr)")
            let sent = await eventually(timeout: 20, poll: 0.3) {
                h.sandbox.performChatUsers().filter { $0.name?.hasPrefix("Renamed") == true }.count == 60
                    && DaemonMetricsTests.fetch("http://127.0.0.1:\(port)/metrics").contains("usersync_guard_held{provider=\"performchat\"} 0")
            }
            #expect(sent, "\(daemon.stderr.suffix(2000))")
            #expect(h.sandbox.requestCounts().commBox.route("POST /users/:id") == 0, "CommBox stays held")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    @Test("plan and approve refuse a --provider that is not enabled, naming the enabled ones")
    func anUnknownProviderOptionIsRefused() async throws {
        try await SyncScenario.with { s in
            try s.workspace.writeUsers(TestUser.many(1))
            try s.workspace.writeConfig(sandbox: s.sandbox, commbox: false)
            for command in [["approve"], ["plan", "--out", s.workspace.directory.appendingPathComponent("plan.jsonl").path]] {
                let run = try await s.workspace.usersync(command + ["--provider", "commbox"])
                #expect(run.status == 1, "\(command): \(run.stderr)")
                #expect(run.stderr.contains("--provider commbox: not an enabled provider (enabled: performchat)"), "\(run.stderr)")
            }
        }
    }
}
