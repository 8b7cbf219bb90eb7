import Foundation
import Testing
import UserSyncSandbox

/// D. Under 503s, 429 bursts (with and without Retry-After), dropped connections and latency
/// spikes, repeated `sync --once` runs converge: both providers hold the source, nothing is
/// left queued or dead, and every request the sandbox saw is accounted for.
@Suite("convergence under faults")
struct ConvergenceTests {
    static let concurrency = 4

    @Test("300 users, three rounds of changes under faults", .timeLimit(.minutes(5)))
    func converges() async throws {
        try await SyncScenario.with(sandbox: .unthrottled(seed: 20_240_601)) { s in
            var users = TestUser.many(300)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            // Push only: this test accounts for every request as a push (the pull has its own tests).
            try s.workspace.writeConfig(sandbox: s.sandbox, sync: "interval: 1s\n  direction: push\n  \(Workspace.guardRaised)", retry: "base_delay: 50ms\n  max_delay: 500ms")

            // A first, clean sync learns every id. (Under faults, CommBox's one-by-one lookups
            // stop at the first failure, so a first sync of 300 users would need about a hundred
            // `sync --once` runs: ids are learned up front and the faults hit the pushes.)
            try await s.syncUntilDelivered(maxRuns: 5)
            #expect(s.sandbox.holds(users))

            // Phase 1: everyone changes; 20 % 503, 10 % dropped connections and latency spikes
            // of 50–200 ms.
            for i in users.indices { users[i].name = "Renamed\(i) \(users[i].id)" }
            try s.workspace.writeUsers(users)
            for provider in SandboxProvider.allCases {
                s.sandbox.setFaults(SandboxFaults(failureRate: 0.2, failureStatus: 503, latencyMilliseconds: 2, dropRate: 0.1), for: provider)
            }
            let spikes = Task {
                var random = SystemRandomNumberGenerator()
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 300...800, using: &random)))
                    let spike = Int.random(in: 50...200, using: &random)
                    for provider in SandboxProvider.allCases {
                        s.sandbox.setFaults(SandboxFaults(failureRate: 0.2, failureStatus: 503, latencyMilliseconds: spike, dropRate: 0.1), for: provider)
                    }
                    try? await Task.sleep(for: .milliseconds(300))
                    for provider in SandboxProvider.allCases {
                        s.sandbox.setFaults(SandboxFaults(failureRate: 0.2, failureStatus: 503, latencyMilliseconds: 2, dropRate: 0.1), for: provider)
                    }
                }
            }
            let phase1 = try await runPhase(s, changed: Set(users.map(\.id)), users: users)
            spikes.cancel()
            _ = await spikes.value
            #expect(phase1.statuses.isSubset(of: ["200", "503", "dropped"]), "\(phase1.statuses)")

            // Phase 2: everyone changes; bursts of 429 with `Retry-After: 1`.
            for i in users.indices { users[i].plan = "pro" }
            try s.workspace.writeUsers(users)
            let burstsWithRetryAfter: [SandboxScriptStep] =
                Array(repeating: 200, count: 40) + [429, 429, 429] + Array(repeating: 200, count: 60) + [429, 429] + Array(repeating: 200, count: 80) + [429]
            for provider in SandboxProvider.allCases {
                s.sandbox.setFaults(SandboxFaults(latencyMilliseconds: 2, script: burstsWithRetryAfter, retryAfter: "1"), for: provider)
            }
            let phase2 = try await runPhase(s, changed: Set(users.map(\.id)), users: users)
            #expect(phase2.statuses == ["200", "429"], "\(phase2.statuses)")
            // No request started inside a Retry-After window (only those already in flight).
            for provider in SandboxProvider.allCases {
                let log = phase2.log.filter { $0.provider == provider }
                for throttled in log where throttled.status == "429" {
                    let early = log.filter { $0.time > throttled.time && $0.time < throttled.time.addingTimeInterval(1) }
                    // In flight already, or started on a 200 read before the 429 (see RetryAfterTests).
                    #expect(early.count <= 2 * (Self.concurrency - 1) && early.allSatisfy { $0.time < throttled.time.addingTimeInterval(0.5) },
                            "\(provider): requests within 1 s of a 429 with Retry-After: 1: \(early.map { "+\(Int($0.time.timeIntervalSince(throttled.time) * 1000)) ms \($0.status)" })")
                }
            }

            // Phase 3: a third of the users change; 429 bursts without Retry-After, then 20 %
            // 503 and 10 % dropped connections.
            var changed3: Set<String> = []
            for i in users.indices where i % 3 == 0 {
                users[i].name = "Changed\(i) Again"
                changed3.insert(users[i].id)
            }
            try s.workspace.writeUsers(users)
            let burstsWithout: [SandboxScriptStep] = Array(repeating: 200, count: 20) + [429, 429, 429, 429] + Array(repeating: 200, count: 20) + [429, 429]
            for provider in SandboxProvider.allCases {
                s.sandbox.setFaults(SandboxFaults(failureRate: 0.2, failureStatus: 503, latencyMilliseconds: 2, dropRate: 0.1, script: burstsWithout), for: provider)
            }
            let phase3 = try await runPhase(s, changed: changed3, users: users)
            #expect(phase3.statuses.isSubset(of: ["200", "429", "503", "dropped"]), "\(phase3.statuses)")
            #expect(phase3.statuses.contains("429"))

            #expect(s.sandbox.holds(users))
            let store = try #require(try s.state())
            #expect(try store.outboxCount() == 0)
            #expect(try store.deadLetters().isEmpty)
            print("convergence: runs per phase \(phase1.runs), \(phase2.runs), \(phase3.runs)")
        }
    }

    struct PhaseResult {
        var runs: Int
        var statuses: Set<String>
        var log: [SandboxRequestLogEntry]
    }

    /// Runs `sync --once --json` until exit 0 and checks the phase's accounting: exactly one
    /// accepted push per changed user and provider (none for the others), every request the
    /// sandbox saw is a push (or a push-only read of perform.chat's list), and each push is one
    /// usersync reported as pushed or failed.
    func runPhase(_ s: SyncScenario, changed: Set<String>, users: [TestUser],
                  sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> PhaseResult {
        s.sandbox.resetRequests()
        let runs = try await s.syncUntilDelivered(["--json"], maxRuns: 40, sourceLocation: sourceLocation)
        #expect(runs.last?.status == 0, sourceLocation: sourceLocation)
        s.requireCompleteLog(sourceLocation: sourceLocation)
        // Per-provider delivery counts are missing from `--json` when the source was unchanged
        // (see JSONSummaryTests), so the accounting uses the cycle totals of both providers.
        var pushed = 0, failed = 0
        for run in runs {
            let doc = try parseJSONObject(run.stdout, sourceLocation: sourceLocation)
            pushed += doc["pushed"] as? Int ?? 0
            failed += doc["failed"] as? Int ?? 0
        }
        let log = s.sandbox.requestLog()
        let counts = s.sandbox.requestCounts()
        var pushRequests = 0, acceptedPushes = 0
        for provider in SandboxProvider.allCases {
            let accepted = s.pushesPerUser(provider, statuses: ["200"])
            let all = s.pushesPerUser(provider)
            #expect(accepted["?"] == nil && all["?"] == nil, "pushes to unknown ids", sourceLocation: sourceLocation)
            var wrong: [String] = []
            for user in users where accepted[user.id, default: 0] != (changed.contains(user.id) ? 1 : 0) {
                wrong.append("\(user.id): \(accepted[user.id, default: 0])")
            }
            #expect(wrong.count == 0, "\(provider): users not accepted exactly once (or pushed unchanged): \(wrong.prefix(10))", sourceLocation: sourceLocation)
            #expect(counts[provider].total == log.filter { $0.provider == provider }.count, sourceLocation: sourceLocation)
            pushRequests += all.values.reduce(0, +)
            acceptedPushes += accepted.values.reduce(0, +)
            // Besides the pushes, push only may read perform.chat's list before a large batch
            // (to log provider edits the pushes overwrite; at most once per pull_interval).
            #expect(counts[provider].total - Self.listReads(counts, provider) == all.values.reduce(0, +),
                    "\(provider): requests other than pushes", sourceLocation: sourceLocation)
        }
        #expect(pushed == 2 * changed.count, "usersync reported \(pushed) pushed for \(changed.count) changed users", sourceLocation: sourceLocation)
        #expect(pushed == acceptedPushes, "usersync reported \(pushed) pushed, the providers accepted \(acceptedPushes)", sourceLocation: sourceLocation)
        // Every request is a push, and each one's outcome was reported.
        let total = counts.performChat.total + counts.commBox.total - Self.listReads(counts, .performChat)
        #expect(Self.listReads(counts, .performChat) <= 3, "perform.chat list read more than once (3 pages) in a phase", sourceLocation: sourceLocation)
        #expect(total == pushed + failed,
                "the sandbox saw \(total) requests, usersync reported \(pushed) pushed + \(failed) failed", sourceLocation: sourceLocation)
        return PhaseResult(runs: runs.count, statuses: Set(log.map(\.status)), log: log)
    }

    /// perform.chat list reads (push only reads the list before a large batch of updates).
    static func listReads(_ counts: SandboxRequestCounts, _ provider: SandboxProvider) -> Int {
        provider == .performChat ? counts.performChat.route("GET /customer-users") : 0
    }
}
