import Foundation
import Testing
import UserSyncSandbox

/// H. `usersync queue …` against real queued items and dead letters.
@Suite("queue commands")
struct QueueCommandTests {
    static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        return ISO8601DateFormatter().date(from: text)
    }

    /// 4 users synced once (ids known), then changed: perform.chat refuses the first with 422
    /// (a dead letter), CommBox answers 503 to everything (4 queued items waiting for a retry).
    func prepare(_ s: SyncScenario) async throws -> [TestUser] {
        try await prepareTimed(s).users
    }

    /// `prepare`, and when the failing run started: every retry is scheduled after it.
    func prepareTimed(_ s: SyncScenario) async throws -> (users: [TestUser], failingRunStarted: Date) {
        var users = TestUser.many(4)
        try s.sandbox.seedExisting(users)
        try s.workspace.writeUsers(users)
        // Retries far away, so the queued items stay put while the test looks at them.
        try s.workspace.writeConfig(sandbox: s.sandbox, retry: "base_delay: 10m\n  max_delay: 1h")
        #expect(try await s.syncOnce().status == 0)
        for i in users.indices { users[i].plan = "team" }
        try s.workspace.writeUsers(users)
        s.sandbox.setFaults(SandboxFaults(script: [422]), for: .performChat)
        s.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: .commBox)
        let started = Date()
        let run = try await s.syncOnce()
        #expect(run.status == 65, "\(run.stderr)")
        return (users, started)
    }

    @Test("list, list --dead, --json, --provider")
    func list() async throws {
        try await SyncScenario.with { s in
            let failingRunStarted = try await prepareTimed(s).failingRunStarted
            let queued = try await s.workspace.usersync(["queue", "list", "--json"])
            #expect(queued.status == 0, "\(queued.stderr)")
            let items = try parseJSONArray(queued.stdout)
            // CommBox: 4 waiting for a retry. perform.chat: the 3 others were delivered. CommBox
            // failing for every change is an outage: only the first change is charged an attempt.
            #expect(items.count == 4, "\(queued.stdout)")
            #expect(items.allSatisfy { $0["provider"] as? String == "commbox" })
            #expect(items.allSatisfy { $0["state"] as? String == "pending" && $0["last_status"] as? Int == 503 })
            #expect(items.compactMap { $0["attempts"] as? Int }.sorted() == [0, 0, 0, 1])
            #expect(Set(items.compactMap { $0["external_id"] as? String }) == ["u1", "u2", "u3", "u4"])
            // Each rescheduled after its failure (with full jitter a retry may already be due
            // again by now on a slow machine, so "later than now" would be a race).
            // (The listing has whole seconds.)
            let notBefore = Date(timeIntervalSince1970: failingRunStarted.timeIntervalSince1970.rounded(.down))
            #expect(items.allSatisfy { Self.date($0["next_attempt"]).map { $0 >= notBefore } == true }, "\(queued.stdout)")

            let dead = try await s.workspace.usersync(["queue", "list", "--dead", "--json"])
            #expect(dead.status == 0, "\(dead.stderr)")
            let letters = try parseJSONArray(dead.stdout)
            #expect(letters.count == 1)
            #expect(letters.first?["provider"] as? String == "performchat")
            #expect(letters.first?["last_status"] as? Int == 422)
            #expect((letters.first?["last_message"] as? String)?.contains("422") == true, "\(dead.stdout)")

            let table = try await s.workspace.usersync(["queue", "list"])
            #expect(table.status == 0)
            #expect(table.stdout.hasPrefix("ID  PROVIDER  EXTERNAL_ID  STATE"), "\(table.stdout)")
            #expect(table.stdout.components(separatedBy: "\n").filter { $0.contains("commbox") }.count == 4)
            let deadTable = try await s.workspace.usersync(["queue", "list", "--dead"])
            #expect(deadTable.stdout.contains("performchat") && deadTable.stdout.contains("422"), "\(deadTable.stdout)")

            let onlyPerformChat = try await s.workspace.usersync(["queue", "list", "--provider", "performchat"])
            #expect(onlyPerformChat.status == 0)
            #expect(onlyPerformChat.stdout.contains("(the queue is empty)"), "\(onlyPerformChat.stdout)")
            let unknown = try await s.workspace.usersync(["queue", "list", "--provider", "nosuch"])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("nosuch"), "\(unknown.stderr)")
        }
    }

    @Test("retry ID (dead letter and queued item), retry --all-dead, drop ID; then delivery")
    func retryAndDrop() async throws {
        try await SyncScenario.with { s in
            let users = try await prepare(s)
            let deadID = try #require(try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--dead", "--json"]).stdout).first?["id"] as? Int)
            let queued = try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--json"]).stdout)
            let queuedIDs = queued.compactMap { $0["id"] as? Int }
            #expect(queuedIDs.count == 4)

            // A dead letter back into the queue.
            let retry = try await s.workspace.usersync(["queue", "retry", "\(deadID)"])
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(retry.stdout.contains("dead letter \(deadID) is back in the queue"), "\(retry.stdout)")
            #expect(try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--dead", "--json"]).stdout).isEmpty)
            let after = try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--json", "--provider", "performchat"]).stdout)
            #expect(after.count == 1 && after.first?["id"] as? Int == deadID && after.first?["attempts"] as? Int == 0)

            // A queued item made due now.
            let due = try await s.workspace.usersync(["queue", "retry", "\(queuedIDs[0])"])
            #expect(due.status == 0, "\(due.stderr)")
            #expect(due.stdout.contains("item \(queuedIDs[0]) is due now"), "\(due.stdout)")
            let item = try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--json"]).stdout).first { $0["id"] as? Int == queuedIDs[0] }
            let next = try #require(Self.date(item?["next_attempt"]))
            #expect(next <= Date())

            // Drop a queued item: it is gone from the list.
            let drop = try await s.workspace.usersync(["queue", "drop", "\(queuedIDs[1])"])
            #expect(drop.status == 0, "\(drop.stderr)")
            #expect(drop.stdout.contains("item \(queuedIDs[1]) dropped"))
            #expect(!(try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--json"]).stdout)).contains { $0["id"] as? Int == queuedIDs[1] })

            // The providers recover: the next cycles deliver everything, the dropped user too
            // (drop makes the next cycle read the source again and plan it anew).
            s.sandbox.setFaults(.none, for: .performChat)
            s.sandbox.setFaults(.none, for: .commBox)
            for id in queuedIDs.dropFirst(2) { _ = try await s.workspace.usersync(["queue", "retry", "\(id)"]) }
            let run = try await s.syncOnce()
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(s.sandbox.holds(users))
            #expect(try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--json"]).stdout).isEmpty)
        }
    }

    @Test("retry --all-dead puts every dead letter back")
    func retryAllDead() async throws {
        try await SyncScenario.with { s in
            var users = TestUser.many(3)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            #expect(try await s.syncOnce().status == 0)
            for i in users.indices { users[i].name = "New\(i) Name" }
            try s.workspace.writeUsers(users)
            s.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 422), for: .performChat)
            s.sandbox.setFaults(SandboxFaults(script: [400]), for: .commBox)
            #expect(try await s.syncOnce().status == 65)
            #expect(try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--dead", "--json"]).stdout).count == 4)

            let onlyCommBox = try await s.workspace.usersync(["queue", "retry", "--all-dead", "--provider", "commbox"])
            #expect(onlyCommBox.status == 0, "\(onlyCommBox.stderr)")
            #expect(onlyCommBox.stdout.contains("1 dead letter(s) back in the queue"), "\(onlyCommBox.stdout)")
            s.sandbox.setFaults(.none, for: .performChat)
            let all = try await s.workspace.usersync(["queue", "retry", "--all-dead"])
            #expect(all.stdout.contains("3 dead letter(s) back in the queue"), "\(all.stdout)")
            #expect(try await s.syncOnce().status == 0)
            #expect(s.sandbox.holds(users))
            #expect(try parseJSONArray(try await s.workspace.usersync(["queue", "list", "--dead", "--json"]).stdout).isEmpty)
        }
    }

    @Test("bad ids and bad arguments: a clear message and a non-zero exit; no state is created")
    func badIDs() async throws {
        try await SyncScenario.with { s in
            try s.workspace.writeUsers(TestUser.many(1))
            try s.workspace.writeConfig(sandbox: s.sandbox)
            let stateDirectory = URL(fileURLWithPath: s.workspace.statePath).deletingLastPathComponent().path

            // Before any state exists: nothing to act on, and nothing is created.
            for command in [["queue", "retry", "42"], ["queue", "drop", "42"]] {
                let run = try await s.workspace.usersync(command)
                #expect(run.status == 1, "\(command): \(run.status) \(run.stderr)")
                #expect(run.stderr.contains("no queued item or dead letter has id 42"), "\(command): \(run.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: stateDirectory), "queue retry/drop created the state")
            let empty = try await s.workspace.usersync(["queue", "list"])
            #expect(empty.status == 0)
            #expect(empty.stdout.contains("No state yet"))
            let allDead = try await s.workspace.usersync(["queue", "retry", "--all-dead"])
            #expect(allDead.status == 0, "\(allDead.stderr)")
            #expect(!FileManager.default.fileExists(atPath: stateDirectory), "queue retry --all-dead created the state")

            // With a state.
            try s.sandbox.seedExisting(TestUser.many(1))
            #expect(try await s.syncOnce().status == 0)
            for command in [["queue", "retry", "999999"], ["queue", "drop", "999999"]] {
                let run = try await s.workspace.usersync(command)
                #expect(run.status == 1, "\(command): \(run.status)")
                #expect(run.stderr.contains("no queued item or dead letter has id 999999"), "\(command): \(run.stderr)")
            }
            for command in [["queue", "retry", "abc"], ["queue", "drop", "-"], ["queue", "retry"], ["queue", "retry", "1", "--all-dead"]] {
                let run = try await s.workspace.usersync(command)
                #expect(run.status != 0, "\(command) succeeded")
                #expect(!run.stderr.isEmpty, "\(command): no message")
            }
        }
    }
}
