import Foundation
import Testing
import UserSyncSandbox

/// SIGHUP: an invalid config is refused key by key and the service carries on with the old
/// one; a valid one is applied at once.
@Suite("usersync run: SIGHUP reload", .serialized)
struct DaemonReloadTests {
    /// Users whose metadata holds a `tier` that only a reloaded `content` mapping sends.
    static func lines(_ users: [TestUser]) -> [String] {
        users.map { u in
            #"{"id":"\#(u.id)","name":"\#(u.name)","email":"\#(u.email)","metadata":{"plan":"\#(u.plan)","tier":"gold-\#(u.id)"}}"#
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aBrokenConfigIsRefusedAndAFixedOneApplied() async throws {
        try await DaemonHarness.with { h in
            // Given a running service whose CommBox mapping sends only `plan`
            var users = TestUser.many(5)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeSourceLines(Self.lines(users))
            var config = DaemonConfig()
            config.content = "{ plan: Plan }"
            try h.writeConfig(config)
            let daemon = try h.startDaemon()
            let synced = await eventually(timeout: 30) { h.sandbox.holds(users) }
            try #require(synced, "\(daemon.stderr.suffix(3000))")
            #expect(h.sandbox.commBoxUsers().allSatisfy { $0.content["Tier"] == nil })

            // When the config on disk becomes invalid and the service is told to reload
            var broken = config
            broken.interval = "fast"
            try h.writeConfig(broken)
            let yaml = try String(contentsOf: h.workspace.configURL, encoding: .utf8)
            let badLine = try #require(yaml.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("interval: fast") }) + 1
            daemon.signal(SIGHUP)

            // Then it logs an error naming the key and the line, and keeps running
            let refused = await daemon.waitForStderr(timeout: 10) { $0.contains("reload refused") }
            #expect(refused, "\(daemon.stderr.suffix(3000))")
            let line = try #require(logLines(daemon.stderr).first { $0.contains("reload refused") })
            #expect(line.contains("level=error"))
            #expect(line.contains("key=sync.interval"), "\(line)")
            #expect(line.contains("line=\(badLine)"), "\(line)")
            #expect(line.contains("fast"), "\(line)")
            try await Task.sleep(for: .milliseconds(300))
            #expect(daemon.isRunning)

            // And it still syncs, on the old config (interval 1s, mapping plan only)
            users[0].plan = "pro"
            try h.workspace.writeSourceLines(Self.lines(users))
            let stillSyncing = await eventually(timeout: 15) { h.sandbox.holds(users) }
            #expect(stillSyncing, "\(daemon.stderr.suffix(3000))")
            #expect(h.sandbox.commBoxUsers().allSatisfy { $0.content["Tier"] == nil })

            // When the config is fixed, with a new custom field mapped, and reloaded
            var fixed = config
            fixed.content = "{ plan: Plan, tier: Tier }"
            try h.writeConfig(fixed)
            daemon.signal(SIGHUP)

            // Then the change is applied: the new field reaches CommBox, without a source change
            let reloaded = await daemon.waitForStderr(timeout: 10) { $0.contains(#"msg="configuration reloaded""#) }
            #expect(reloaded, "\(daemon.stderr.suffix(3000))")
            let tiers = await eventually(timeout: 15) {
                let byID = Dictionary(uniqueKeysWithValues: h.sandbox.commBoxUsers().compactMap { u in u.uniqueID.map { ($0, u) } })
                return users.allSatisfy { byID[$0.id]?.content["Tier"] == .string("gold-\($0.id)") }
            }
            #expect(tiers, "\(daemon.stderr.suffix(3000))")
            #expect(h.sandbox.holds(users))

            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aChangedIntervalTakesEffect() async throws {
        try await DaemonHarness.with { h in
            // Given a service running a cycle every hour
            let users = TestUser.many(3)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.interval = "1h"
            try h.writeConfig(config)
            let daemon = try h.startDaemon()
            #expect(await eventually(timeout: 30) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(3000))")
            var changed = users
            changed[1].name = "Changed Name"
            try h.workspace.writeUsers(changed)
            // (the next cycle is an hour away: nothing moves)
            try await Task.sleep(for: .seconds(2))
            #expect(!h.sandbox.holds(changed))

            // When the interval becomes 1s and the service reloads
            config.interval = "1s"
            try h.writeConfig(config)
            daemon.signal(SIGHUP)

            // Then the change goes out, and later ones follow within seconds
            #expect(await eventually(timeout: 10) { h.sandbox.holds(changed) }, "\(daemon.stderr.suffix(3000))")
            changed[2].plan = "enterprise"
            try h.workspace.writeUsers(changed)
            #expect(await eventually(timeout: 10) { h.sandbox.holds(changed) }, "\(daemon.stderr.suffix(3000))")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: [SIGHUP, SIGTERM])
    func aSignalRightAfterReadyIsHandled(signal: Int32) async throws {
        try await DaemonHarness.with { h in
            // Given a supervisor that signals the service the instant it reports READY=1
            // (systemd sends a reload or a stop as soon as the unit is up)
            let target = PIDBox()
            let socket = try NotifySocket { text in
                if text.hasPrefix("READY=1"), target.pid > 0 { kill(target.pid, signal) }
            }
            defer { socket.stop() }
            let users = TestUser.many(2)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            try h.writeConfig(DaemonConfig())
            var environment = Workspace.environment
            environment["NOTIFY_SOCKET"] = socket.path
            let daemon = try h.startDaemon(environment: environment)
            target.set(daemon.pid)
            #expect(await socket.waitFor(timeout: 15) { $0.hasPrefix("READY=1") } != nil)
            if signal == SIGHUP {
                // Then a reload is a reload: the service keeps running and reloads
                #expect(await daemon.waitForStderr(timeout: 10) { $0.contains("configuration reloaded") }, "\(daemon.stderr.suffix(2000))")
                #expect(daemon.isRunning, "ended with \(daemon.process.terminationStatus) (\(daemon.process.terminationReason == .uncaughtSignal ? "signal" : "exit"))")
                #expect(await eventually(timeout: 15) { h.sandbox.holds(users) })
                daemon.signal(SIGTERM)
            }
            // And a stop is a clean stop: exit 0, not death by the signal
            #expect(await daemon.waitForExit(timeout: 10) == 0)
            #expect(daemon.process.terminationReason == .exit)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aReloadAppliesTheLogSettings() async throws {
        try await DaemonHarness.with { h in
            // Given a service logging at info level, addresses redacted
            var users = TestUser.many(3)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeSourceLines(users.map(\.jsonLine) + [#"{"id":"dup@example.com","name":"A B","email":"a@example.com","metadata":{}}"#])
            var config = DaemonConfig()
            try h.writeConfig(config)
            let daemon = try h.startDaemon()
            #expect(await eventually(timeout: 20) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(2000))")
            #expect(!daemon.stderr.contains("level=debug"))

            // When the config asks for debug, JSON and addresses in the clear, and the service reloads
            config.logLevel = "debug"
            config.logFormat = "json"
            config.showPII = true
            try h.writeConfig(config)
            let before = daemon.stderr.count
            daemon.signal(SIGHUP)
            #expect(await daemon.waitForStderr(timeout: 10) { $0.contains("configuration reloaded") })
            users[0].plan = "pro"
            try h.workspace.writeSourceLines(users.map(\.jsonLine) + [#"{"id":"dup@example.com","name":"A B","email":"a@example.com","metadata":{}}"#, #"{"id":"dup@example.com","name":"A B","email":"a@example.com","metadata":{}}"#])
            #expect(await eventually(timeout: 20) { h.sandbox.holds(users) })
            try await Task.sleep(for: .milliseconds(300))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)

            // Then what it logged after the reload follows the new settings (from the line after
            // "configuration reloaded": lines around the SIGHUP may still be in the old format,
            // and the count taken before it may fall inside a line being written)
            let since = logLines(String(daemon.stderr.dropFirst(before)))
            let reloaded = try #require(since.firstIndex { $0.contains("configuration reloaded") }, "\(since)")
            let after = Array(since[(reloaded + 1)...])
            #expect(!after.isEmpty)
            for line in after {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON after the reload: \(line)")
            }
            #expect(after.contains { $0.contains(#""level":"debug""#) }, "\(after)")
            #expect(after.contains { $0.contains("dup@example.com") }, "show_pii: \(after)")
        }
    }
}
