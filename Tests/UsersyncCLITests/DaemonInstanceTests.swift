import Foundation
import Testing
import UserSyncSandbox

/// One process per state: a second `run`, or a `sync --once`, is refused while the service
/// runs, and the service is not disturbed by the attempt.
@Suite("usersync run: one instance per state", .serialized)
struct DaemonInstanceTests {
    @Test(.timeLimit(.minutes(2)))
    func aSecondInstanceAndAManualSyncAreRefused() async throws {
        try await DaemonHarness.with { h in
            // Given a running service
            var users = TestUser.many(5)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            try h.writeConfig(DaemonConfig())
            let first = try h.startDaemon()
            #expect(await eventually(timeout: 30) { h.sandbox.holds(users) }, "\(first.stderr.suffix(3000))")
            let requestsBefore = h.sandbox.requestCounts()

            // When a second service starts on the same state
            let second = try await h.workspace.usersync(["run"], timeout: 15)
            // Then it is refused with a clear message naming the running pid, non-zero
            #expect(second.status != 0)
            #expect(second.stderr.contains("another usersync (pid \(first.pid)) is already running on the state \(h.workspace.statePath)"), "\(second.stderr)")

            // When a manual sync runs on the same state
            let manual = try await h.workspace.usersync(["sync", "--once"], timeout: 15)
            // Then it is refused likewise
            #expect(manual.status != 0)
            #expect(manual.stderr.contains("another usersync (pid \(first.pid)) is already running"), "\(manual.stderr)")
            // ...and neither sent anything
            #expect(h.sandbox.requestCounts() == requestsBefore)

            // And the first one is unharmed: still running, still holding the lock, still syncing
            #expect(first.isRunning)
            let lockFile = try String(contentsOfFile: h.workspace.statePath + ".lock", encoding: .utf8)
            #expect(lockFile == "\(first.pid)\n")
            users[2].name = "Renamed Person"
            try h.workspace.writeUsers(users)
            #expect(await eventually(timeout: 15) { h.sandbox.holds(users) }, "\(first.stderr.suffix(3000))")
            let status = try await h.workspace.usersync(["status"])
            #expect(status.stdout.contains("service: running (pid \(first.pid))"), "\(status.stdout)")

            // When it stops, a manual sync works again
            first.signal(SIGTERM)
            #expect(await first.waitForExit(timeout: 10) == 0)
            let after = try await h.workspace.usersync(["sync", "--once"])
            #expect(after.status == 0, "\(after.stderr)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aKilledServiceLeavesNoStaleLock() async throws {
        try await DaemonHarness.with { h in
            let users = TestUser.many(2)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            try h.writeConfig(DaemonConfig())
            let first = try h.startDaemon()
            #expect(await first.waitForStderr(timeout: 15) { $0.contains("cycle finished") })
            first.signal(SIGKILL)
            _ = await first.waitForExit(timeout: 10)
            // The kernel dropped the lock with the process: a new service starts at once.
            let second = try h.startDaemon()
            #expect(await second.waitForStderr(timeout: 15) { $0.contains("usersync started") }, "\(second.stderr)")
            try await Task.sleep(for: .milliseconds(500))
            #expect(second.isRunning, "\(second.stderr)")
            second.signal(SIGTERM)
            #expect(await second.waitForExit(timeout: 10) == 0)
        }
    }
}
