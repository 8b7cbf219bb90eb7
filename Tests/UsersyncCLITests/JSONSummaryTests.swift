import Foundation
import Testing
import UserSyncSandbox

/// The summary of a retry run (the source unchanged since the last cycle) still says what
/// each provider delivered and what is left.
@Suite("sync summary on a retry run")
struct JSONSummaryTests {
    /// First run: CommBox answers 503 to everything. Second run (source unchanged): delivered.
    func retryRun(_ s: SyncScenario, json: Bool) async throws -> SyncScenario.Result {
        let users = TestUser.many(3)
        try s.sandbox.seedExisting(users)
        try s.workspace.writeUsers(users)
        try s.workspace.writeConfig(sandbox: s.sandbox, retry: "base_delay: 50ms\n  max_delay: 100ms")
        s.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: .commBox)
        #expect(try await s.syncOnce().status == 75)
        s.sandbox.setFaults(.none, for: .commBox)
        try await Task.sleep(for: .milliseconds(300))
        let run = try await s.syncOnce(json ? ["--json"] : [])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(s.sandbox.holds(users))
        return run
    }

    @Test("text: per-provider delivery lines")
    func text() async throws {
        try await SyncScenario.with { s in
            let run = try await retryRun(s, json: false)
            #expect(run.stdout.contains("Source unchanged since the last cycle"))
            #expect(run.stdout.contains("commbox: 3 pushed, 0 retrying, 0 dead-lettered; queue 0"), "\(run.stdout)")
        }
    }

    @Test("--json: per-provider delivery counts",
          )
    func json() async throws {
        try await SyncScenario.with { s in
            let run = try await retryRun(s, json: true)
            let doc = try parseJSONObject(run.stdout)
            #expect(doc["source_unchanged"] as? Bool == true)
            #expect(doc["pushed"] as? Int == 3)
            let providers = try #require(doc["providers"] as? [String: [String: Any]])
            #expect(providers["commbox"]?["pushed"] as? Int == 3, "\(run.stdout)")
            #expect(providers["commbox"]?["queued"] as? Int == 0, "\(run.stdout)")
            #expect(providers["performchat"]?["pushed"] as? Int == 0, "\(run.stdout)")
        }
    }
}
