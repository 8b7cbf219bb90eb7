import Foundation
import Testing
import UserSyncSandbox

/// `source.settle_time` as an operator meets it: the service comes back for a file that was
/// still being written as soon as it has settled, and `sync --once` waits for it.
@Suite("source.settle_time with the real binary", .serialized)
struct SourceSettleCLITests {
    @Test("the service reads a file still being written once it settles, not a whole interval later", .timeLimit(.minutes(2)))
    func serviceComesBackSoon() async throws {
        try await DaemonHarness.with { h in
            // Given a long interval, and a file written just before the service starts
            let users = TestUser.many(5)
            try h.sandbox.seedExisting(users)
            var config = DaemonConfig()
            config.interval = "1h"
            config.settleTime = "3s"
            config.logLevel = "debug"
            try h.writeConfig(config)
            try h.workspace.writeUsers(users)
            let started = Date()
            let daemon = try h.startDaemon()
            // Then the first cycle leaves the file alone and says when it will read it
            let deferred = await daemon.waitForStderr(timeout: 20) { $0.contains("source is still being written") }
            #expect(deferred, "\(daemon.stderr.suffix(3000))")
            let line = try #require(logLines(daemon.stderr).first { $0.contains("source is still being written") })
            #expect(line.contains("level=debug") && line.contains("retry_in_ms="), "\(line)")
            let summarized = await daemon.waitForStderr(timeout: 10) { $0.contains("source=still_being_written") }
            #expect(summarized, "the cycle's summary says the source was still being written")
            // And the users are synced shortly after it settles, long before the interval
            let synced = await eventually(timeout: 30) { h.sandbox.holds(users) }
            #expect(synced, "\(daemon.stderr.suffix(3000))")
            #expect(Date().timeIntervalSince(started) >= 2.5)
        }
    }

    @Test("sync --once waits for a file still being written, then syncs it", .timeLimit(.minutes(2)))
    func syncOnceWaits() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(5)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, settleTime: "2s")
            try s.workspace.writeUsers(users)
            let started = Date()
            let run = try await s.syncOnce()
            #expect(run.status == 0, "\(run.stderr)")
            #expect(s.sandbox.holds(users))
            #expect(Date().timeIntervalSince(started) >= 1.5)
        }
    }
}
