import Foundation
import Testing
import UserSyncSandbox

/// A. `sync --once --dry-run` reads, validates and plans only: it writes nothing and sends nothing.
@Suite("sync --dry-run")
struct DryRunTests {
    @Test("with an existing state: the state is byte-for-byte unchanged and no request is sent")
    func existingStateUnchanged() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(20)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            let first = try await s.syncOnce()
            #expect(first.status == 0, "\(first.stderr)")
            #expect(s.sandbox.holds(users))

            // Change the source so the plan has something to say.
            var changed = users
            changed[0].name = "Renamed One"
            changed[1].plan = "pro"
            let newcomers = [TestUser(id: "new1", name: "New One", email: "new1@example.com", plan: "free"),
                             TestUser(id: "new2", name: "New Two", email: "new2@example.com", plan: "free")]
            try s.workspace.writeUsers(changed + newcomers)
            let before = try s.stateDirectoryContents()
            #expect(Set(before.keys) == ["state.db", "state.db.lock"], "after a real sync: \(before.keys.sorted())")
            s.sandbox.resetRequests()

            let dry = try await s.syncOnce(["--dry-run"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("Dry run: nothing was written and nothing was sent."))
            #expect(dry.stdout.contains("22 rows"), "\(dry.stdout)")

            let after = try s.stateDirectoryContents()
            // The state and its lock file are byte-for-byte what they were.
            #expect(after["state.db"] == before["state.db"], "state.db changed")
            #expect(after["state.db.lock"] == before["state.db.lock"], "state.db.lock changed")
            // A read-only SQLite connection to a WAL database must have the `-shm` index (and
            // an empty `-wal`) beside it: it creates them when they are missing and, unable to
            // checkpoint, leaves them. They hold no data: the WAL stays empty.
            let new = Set(after.keys).subtracting(before.keys)
            #expect(new.isSubset(of: ["state.db-wal", "state.db-shm"]), "unexpected new files: \(new.sorted())")
            if let wal = after["state.db-wal"] { #expect(wal.isEmpty, "the dry run wrote \(wal.count) bytes of WAL") }
            #expect(s.sandbox.requestCounts().performChat.total == 0)
            #expect(s.sandbox.requestCounts().commBox.total == 0)

            // --json, same state: still nothing written or sent, and the summary has its keys.
            let json = try await s.syncOnce(["--dry-run", "--json"])
            #expect(json.status == 0, "\(json.stderr)")
            let doc = try parseJSONObject(json.stdout)
            #expect(doc["dry_run"] as? Bool == true)
            #expect(doc["unchanged"] as? Int == 18)
            #expect(doc["rejected"] as? Int == 0)
            let changes = try #require(doc["changes"] as? [String: Any])
            #expect(changes["performchat"] as? Int == 4)
            #expect(changes["commbox"] as? Int == 4)
            #expect(try s.stateDirectoryContents()["state.db"] == before["state.db"])
            #expect(s.sandbox.requestCounts().performChat.total + s.sandbox.requestCounts().commBox.total == 0)

            // The real sync afterwards still works with the files the dry run left.
            try s.sandbox.seedExisting(newcomers)
            let real = try await s.syncOnce()
            #expect(real.status == 0, "\(real.stderr)")
            #expect(s.sandbox.holds(changed + newcomers))
        }
    }

    @Test("without a state: no state file (nor its directory) is created, nothing is sent")
    func noStateCreatesNothing() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(5) + [TestUser(id: "bad", name: "Bad Mail", email: "not-an-email", plan: "free")]
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox)
            let stateDirectory = URL(fileURLWithPath: s.workspace.statePath).deletingLastPathComponent()
            let workspaceBefore = Set(try FileManager.default.contentsOfDirectory(atPath: s.workspace.directory.path))

            let dry = try await s.syncOnce(["--dry-run", "--json"])
            #expect(dry.status == 0, "\(dry.stderr)")
            let doc = try parseJSONObject(dry.stdout)
            #expect(doc["unchanged"] as? Int == 0)
            #expect(doc["rejected"] as? Int == 1)
            let changes = try #require(doc["changes"] as? [String: Any])
            #expect(changes["performchat"] as? Int == 5)
            #expect(changes["commbox"] as? Int == 5)
            #expect(!FileManager.default.fileExists(atPath: stateDirectory.path), "the dry run created \(stateDirectory.path)")
            // Only the captured stdout/stderr of the test's own child process are new.
            let workspaceAfter = Set(try FileManager.default.contentsOfDirectory(atPath: s.workspace.directory.path))
            let new = workspaceAfter.subtracting(workspaceBefore).filter { !$0.hasPrefix("usersync-") }
            #expect(new.isEmpty, "new files: \(new.sorted())")
            #expect(s.sandbox.requestCounts().performChat.total + s.sandbox.requestCounts().commBox.total == 0)

            let text = try await s.syncOnce(["--dry-run"])
            #expect(text.status == 0)
            #expect(text.stdout.contains("0 unchanged, 10 changes, 1 rejected"), "\(text.stdout)")
            #expect(!FileManager.default.fileExists(atPath: stateDirectory.path))
        }
    }
}
