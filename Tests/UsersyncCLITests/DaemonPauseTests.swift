import Foundation
import Testing
import UserSyncCore
import UserSyncSandbox
import UserSyncStore

/// Refused credentials pause a provider: probed rarely, the other provider unaffected, resumed
/// by a reload once the secret is fixed, and the pause survives a crash.
@Suite("usersync run: paused providers", .serialized)
struct DaemonPauseTests {
    @Test(.timeLimit(.minutes(2)))
    func brokenSecretPausesProbesRarelyAndAReloadResumes() async throws {
        try await DaemonHarness.with { h in
            // Given perform.chat's secret read from a file that holds a wrong one
            let users = TestUser.many(10)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            let secretFile = h.workspace.directory.appendingPathComponent("pc-secret")
            try "wrong-secret\n".write(to: secretFile, atomically: true, encoding: .utf8)
            var config = DaemonConfig()
            config.performChatSecret = "key_secret_file: pc-secret"
            config.performChatProbe = "2s"
            try h.writeConfig(config)

            // When the service runs
            let daemon = try h.startDaemon()

            // Then perform.chat is paused after the first 401, with an error line naming provider and status
            let pausedLog = await daemon.waitForStderr(timeout: 15) { $0.contains("credentials refused") }
            try #require(pausedLog, "\(daemon.stderr.suffix(3000))")
            let line = try #require(logLines(daemon.stderr).first { $0.contains("credentials refused") })
            #expect(line.contains("level=error"))
            #expect(line.contains("provider=performchat"))
            #expect(line.contains("status=401"))
            let firstRefusal = try #require(h.requests(.performChat).first { $0.status == "401" }).time

            // And CommBox keeps syncing meanwhile
            #expect(await eventually(timeout: 20) { h.sandbox.commBoxHolds(users) }, "\(daemon.stderr.suffix(3000))")

            // And status shows the pause, its reason and the pid
            let status = try await h.workspace.usersync(["status"])
            #expect(status.stdout.contains("service: running (pid \(daemon.pid))"), "\(status.stdout)")
            #expect(status.stdout.contains("PAUSED since"), "\(status.stdout)")
            #expect(status.stdout.contains("401"), "\(status.stdout)")
            let json = try await h.workspace.usersync(["status", "--json"])
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(doc["pid"] as? Int == Int(daemon.pid))
            let pause = (doc["providers"] as? [String: [String: Any]])?["performchat"]?["paused"] as? [String: Any]
            #expect((pause?["reason"] as? String)?.contains("401") == true, "\(json.stdout)")
            #expect(pause?["next_probe_at"] is String)

            // And perform.chat sees at most one request per probe interval (2 s): ≤ 3 in 5 s
            let windowEnd = firstRefusal.addingTimeInterval(5)
            let wait = windowEnd.timeIntervalSinceNow + 0.2
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            let inWindow = h.requests(.performChat, since: firstRefusal).filter { $0.time <= windowEnd }
            #expect(inWindow.count <= 3, "\(inWindow.map { "\($0.time.timeIntervalSince(firstRefusal)) \($0.route) \($0.status)" })")
            #expect(inWindow.count >= 2, "it should probe: \(inWindow.count)")
            #expect(inWindow.allSatisfy { $0.status == "401" })
            #expect(!h.sandbox.performChatHolds(users))

            // When the secret file is fixed and the service reloads
            try "demo-key-secret\n".write(to: secretFile, atomically: true, encoding: .utf8)
            daemon.signal(SIGHUP)

            // Then perform.chat resumes and gets synced, and status no longer shows a pause
            #expect(await eventually(timeout: 20) { h.sandbox.performChatHolds(users) }, "\(daemon.stderr.suffix(3000))")
            let after = try await h.workspace.usersync(["status"])
            #expect(!after.stdout.contains("PAUSED"), "\(after.stdout)")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aRestartHonoursThePersistedProbeTime() async throws {
        try await DaemonHarness.with { h in
            // Given a service paused on perform.chat with a long probe interval
            let users = TestUser.many(5)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.performChatProbe = "6s"
            try h.writeConfig(config)
            var environment = Workspace.environment
            environment["TEST_PERFORMCHAT_SECRET"] = "wrong-secret"
            let first = try h.startDaemon(environment: environment)
            var pause: ProviderPause?
            let paused = await eventually(timeout: 15) {
                pause = (try? h.state()).flatMap { try? $0.providerPauses()[.performchat] }
                return pause != nil
            }
            try #require(paused, "\(first.stderr.suffix(3000))")
            let nextProbe = Date(timeIntervalSince1970: try #require(pause).nextProbeAt)
            #expect(nextProbe.timeIntervalSinceNow > 3, "the probe is due in \(nextProbe.timeIntervalSinceNow) s")

            // When it is killed (-9) and started again at once
            first.signal(SIGKILL)
            _ = await first.waitForExit(timeout: 10)
            let killedAt = Date()
            let second = try h.startDaemon(environment: environment)
            #expect(await second.waitForStderr(timeout: 10) { $0.contains("usersync started") }, "\(second.stderr)")
            let status = try await h.workspace.usersync(["status"])
            #expect(status.stdout.contains("PAUSED"), "\(status.stdout)")

            // Then it does not probe perform.chat before the recorded time, and probes once then
            let until = nextProbe.addingTimeInterval(1.5)
            try await Task.sleep(for: .milliseconds(Int(max(0, until.timeIntervalSinceNow) * 1000)))
            let after = h.requests(.performChat, since: killedAt)
            let early = after.filter { $0.time < nextProbe.addingTimeInterval(-0.05) }
            #expect(early.isEmpty, "probed \(early.map { nextProbe.timeIntervalSince($0.time) }) s early")
            #expect(after.count == 1, "\(after.map { "\($0.time.timeIntervalSince(nextProbe)) \($0.route) \($0.status)" })")
            #expect(second.isRunning)
            // (CommBox was not held up)
            #expect(h.sandbox.commBoxHolds(users))
            second.signal(SIGTERM)
            #expect(await second.waitForExit(timeout: 10) == 0)
        }
    }

    @Test(
        .timeLimit(.minutes(2)),
        )
    func aRefusedCommBoxTokenIsNotTriedOncePerUser() async throws {
        try await DaemonHarness.with { h in
            // Given 20 users CommBox has, none of whose ids is known yet, and a wrong token
            let users = TestUser.many(20)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.commBoxProbe = "1h"
            try h.writeConfig(config)
            var environment = Workspace.environment
            environment["TEST_COMMBOX_TOKEN"] = "wrong-token"
            // When the service runs
            let daemon = try h.startDaemon(environment: environment)
            #expect(await daemon.waitForStderr(timeout: 30) { $0.contains("credentials refused") }, "\(daemon.stderr.suffix(3000))")
            try await Task.sleep(for: .seconds(2))
            // Then CommBox saw about one refused request (at most one per slot of concurrency), not one per user
            let refused = h.requests(.commBox).filter { $0.status == "401" }
            #expect(refused.count <= 4, "\(refused.count) refused requests")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    @Test(
        .timeLimit(.minutes(2)),
        )
    func aProbeResumesAProviderWhoseUsersHaveKnownIDs() async throws {
        try await DaemonHarness.with { h in
            // Given a service in sync (every id known)
            var users = TestUser.many(5)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.performChatProbe = "1s"
            config.commBoxProbe = "1s"
            try h.writeConfig(config)
            let daemon = try h.startDaemon()
            #expect(await eventually(timeout: 20) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(2000))")
            // When the providers refuse its credentials for a while, then accept them again
            let good = h.sandbox.credentials
            h.sandbox.setCredentials(SandboxCredentials(performChatKeyID: good.performChatKeyID, performChatKeySecret: "rotated", commBoxToken: "rotated"))
            for i in users.indices { users[i].plan = "pro" }
            try h.workspace.writeUsers(users)
            #expect(await daemon.waitForStderr(timeout: 10) { $0.contains("credentials refused") })
            try await Task.sleep(for: .seconds(1))
            h.sandbox.setCredentials(good)
            // Then a probe (every 1 s) finds out and both providers resume, with no reload
            #expect(await eventually(timeout: 15) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(3000))")
            #expect(daemon.stderr.contains("provider resumed"))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    @Test(
        .timeLimit(.minutes(2)),
        )
    func nothingIsSentAfterTheFirstRefusal() async throws {
        try await DaemonHarness.with { h in
            // Given a service in sync with perform.chat at its default rate (900/min) and concurrency 4
            var users = TestUser.many(10)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.performChatRequestsPerMinute = 900
            config.performChatProbe = "1h"
            try h.writeConfig(config)
            let daemon = try h.startDaemon()
            #expect(await eventually(timeout: 20) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(2000))")
            // When perform.chat starts refusing the key while ten updates are due
            let good = h.sandbox.credentials
            h.sandbox.setCredentials(SandboxCredentials(performChatKeyID: good.performChatKeyID, performChatKeySecret: "rotated", commBoxToken: good.commBoxToken))
            for i in users.indices { users[i].plan = "pro" }
            try h.workspace.writeUsers(users)
            #expect(await daemon.waitForStderr(timeout: 10) { $0.contains("credentials refused") })
            try await Task.sleep(for: .seconds(1))
            // Then no request reached it after the first refusal had been answered
            let refused = h.requests(.performChat).filter { $0.status == "401" }
            let first = try #require(refused.first).time
            let later = refused.filter { $0.time.timeIntervalSince(first) > 0.03 }
            #expect(later.isEmpty, "\(later.count) more refused requests, \(later.map { $0.time.timeIntervalSince(first) }) s after the first")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }
}
