import Foundation
import Testing
import UserSyncCore
import UserSyncSandbox

/// `usersync status` reads the state of a running service without disturbing it.
@Suite("usersync status beside the service", .serialized)
struct DaemonStatusTests {
    @Test(.timeLimit(.minutes(2)))
    func statusWhileRunningAndAfterStop() async throws {
        try await DaemonHarness.with { h in
            // Given 6 users: u6 is missing at perform.chat (parked), and CommBox refuses one change (dead letter)
            let users = TestUser.many(6)
            try h.sandbox.seedExisting(Array(users.prefix(5)))
            _ = try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(uniqueID: "u6", firstName: "old", email: users[5].email)])
            try h.workspace.writeUsers(users)
            try h.writeConfig(DaemonConfig())
            h.sandbox.setFaults(SandboxFaults(script: [422]), for: .commBox)
            let daemon = try h.startDaemon()

            // When the first cycles are done
            let settled = await eventually(timeout: 30, poll: 0.2) {
                guard let store = try? h.state(), let pc = try? store.queueStats(provider: .performchat),
                    let cb = try? store.queueStats(provider: .commbox),
                    let pcUsers = try? store.syncStandings(provider: .performchat),
                    let cbUsers = try? store.syncStandings(provider: .commbox)
                else { return false }
                return pc.parked == 1 && pcUsers.confirmedUsers == 5 && cb.deadLetters == 1 && cbUsers.confirmedUsers == 5 && cb.queued == 0
            }
            #expect(settled, "\(daemon.stderr.suffix(3000))")

            // Then status, run beside it, tells what it does
            let text = try await h.workspace.usersync(["status"])
            #expect(text.status == 0, "\(text.stderr)")
            let out = text.stdout
            #expect(out.contains("service: running (pid \(daemon.pid))"), "\(out)")
            // (one line per state: parked users are not "queued", and only users nothing holds are in sync)
            #expect(out.contains(["performchat:", "  in sync: 5", "  queued: 0", "  retrying: 0", "  parked (awaiting creation): 1, next re-check "].joined(separator: "\n")), "\(out)")
            #expect(out.contains(["commbox:", "  in sync: 5", "  queued: 0", "  retrying: 0", "  parked (awaiting creation): 0"].joined(separator: "\n")), "\(out)")
            #expect(out.contains(["  in conflict: 0", "  dead letters: 1", "  left the source: 0"].joined(separator: "\n")), "\(out)")
            #expect(out.contains("recent cycles:"))
            #expect(out.contains("6 rows, 12 changes, 0 rejected"), "\(out)")

            let json = try await h.workspace.usersync(["status", "--json"])
            #expect(json.status == 0, "\(json.stderr)")
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(doc["running"] as? Bool == true)
            #expect(doc["pid"] as? Int == Int(daemon.pid))
            let providers = try #require(doc["providers"] as? [String: [String: Any]])
            #expect(providers["performchat"]?["queued"] as? Int == 0)
            #expect(providers["performchat"]?["parked"] as? Int == 1)
            #expect(providers["performchat"]?["in_sync"] as? Int == 5)
            #expect(providers["performchat"]?["outbox"] as? Int == 1)
            #expect(providers["commbox"]?["dead_letters"] as? Int == 1)
            #expect(providers["commbox"]?["queued"] as? Int == 0)
            let cycles = try #require(doc["recent_cycles"] as? [[String: Any]])
            #expect(!cycles.isEmpty && cycles.count <= 5)
            #expect(cycles.allSatisfy { $0["started_at"] is String && $0["summary"] is [String: Any] })

            // And it works concurrently with a busy service, again and again, without harm
            for i in 0..<4 {
                var changed = users
                changed[0].name = "Busy \(i)"
                try h.workspace.writeUsers(changed)
                async let a = h.workspace.usersync(["status"])
                async let b = h.workspace.usersync(["status", "--json"])
                async let c = h.workspace.usersync(["queue", "list"])
                let results = try await [a, b, c]
                for r in results { #expect(r.status == 0, "\(r.stderr)") }
            }
            #expect(daemon.isRunning)
            #expect(!daemon.stderr.contains("cycle failed"), "\(daemon.stderr.suffix(3000))")

            // When it stops, status says so
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
            let stopped = try await h.workspace.usersync(["status"])
            #expect(stopped.stdout.contains("service: not running"), "\(stopped.stdout)")
            let stoppedJSON = try await h.workspace.usersync(["status", "--json"])
            let stoppedDoc = try #require(try JSONSerialization.jsonObject(with: Data(stoppedJSON.stdout.utf8)) as? [String: Any])
            #expect(stoppedDoc["running"] as? Bool == false)
            #expect(stoppedDoc["pid"] is NSNull)
        }
    }
}
