import Foundation
import Testing
import UserSyncSandbox

/// The systemd notify protocol as the real binary speaks it, received on a datagram socket.
@Suite("usersync run: sd_notify and watchdog", .serialized)
struct DaemonNotifyTests {
    /// `last cycle HH:MM:SS: N pushed, N failed, N rejected; queue N; performchat ok; commbox ok`
    static let statusShape = #"^STATUS=last cycle \d\d:\d\d:\d\d: \d+ pushed, \d+ failed, \d+ rejected; queue \d+; performchat ok; commbox ok$"#

    @Test(.timeLimit(.minutes(2)))
    func readyStatusReloadStopAndWatchdog() async throws {
        try await DaemonHarness.with { h in
            let socket = try NotifySocket()
            defer { socket.stop() }
            let users = TestUser.many(4)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            try h.writeConfig(DaemonConfig())
            var environment = Workspace.environment
            environment["NOTIFY_SOCKET"] = socket.path
            environment["WATCHDOG_USEC"] = "1000000"

            // When the service starts
            let daemon = try h.startDaemon(environment: environment)

            // Then READY=1 comes first, then the documented one-line STATUS= after a cycle
            let ready = await socket.waitFor(timeout: 15) { $0.split(separator: "\n").contains("READY=1") }
            #expect(ready != nil, "\(socket.texts) \(daemon.stderr.suffix(2000))")
            #expect(socket.texts.first?.hasPrefix("READY=1") == true, "\(socket.texts)")
            let status = await socket.waitFor(timeout: 15) { $0.range(of: Self.statusShape, options: .regularExpression) != nil }
            #expect(status != nil, "\(socket.texts)")
            #expect(await eventually(timeout: 15) { h.sandbox.holds(users) })
            let synced = await socket.waitFor(timeout: 10) { $0.contains(" 0 failed, 0 rejected; queue 0; performchat ok; commbox ok") }
            #expect(synced != nil, "\(socket.texts)")

            // And it pings the watchdog at half of WATCHDOG_USEC
            let windowStart = Date()
            try await Task.sleep(for: .seconds(3))
            let pings = socket.messages.filter { $0.text == "WATCHDOG=1" && $0.time >= windowStart && $0.time <= windowStart.addingTimeInterval(3) }
            #expect((4...8).contains(pings.count), "\(pings.count) pings in 3 s")
            let gaps = zip(pings.dropFirst(), pings).map { $0.time.timeIntervalSince($1.time) }
            #expect(gaps.allSatisfy { (0.25...0.95).contains($0) }, "\(gaps)")

            // When it is told to reload: RELOADING=1 (with MONOTONIC_USEC), then READY=1
            let beforeReload = socket.messages.count
            daemon.signal(SIGHUP)
            let reloading = await socket.waitFor(timeout: 10, after: beforeReload) { $0.hasPrefix("RELOADING=1") }
            #expect(reloading?.text.range(of: #"^RELOADING=1\nMONOTONIC_USEC=\d+$"#, options: .regularExpression) != nil, "\(socket.texts)")
            let readyAgain = await socket.waitFor(timeout: 10, after: beforeReload) { $0 == "READY=1" }
            #expect(readyAgain != nil, "\(socket.texts)")
            if let reloading, let readyAgain { #expect(reloading.time <= readyAgain.time) }
            #expect(await daemon.waitForStderr(timeout: 5) { $0.contains("configuration reloaded") })

            // When it is told to stop: STOPPING=1, exit 0
            let beforeStop = socket.messages.count
            daemon.signal(SIGTERM)
            let stopping = await socket.waitFor(timeout: 10, after: beforeStop) { $0 == "STOPPING=1" }
            #expect(stopping != nil, "\(socket.texts)")
            #expect(await daemon.waitForExit(timeout: 10) == 0)
            // Nothing but known messages was sent
            let known = ["READY=1", "STATUS=", "RELOADING=1", "MONOTONIC_USEC=", "STOPPING=1", "WATCHDOG=1"]
            for message in socket.messages {
                #expect(message.assignments.allSatisfy { a in known.contains { a.hasPrefix($0) } }, "\(message.text)")
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func noWatchdogPingsUnlessAsked() async throws {
        try await DaemonHarness.with { h in
            let socket = try NotifySocket()
            defer { socket.stop() }
            try h.workspace.writeUsers(TestUser.many(1))
            try h.writeConfig(DaemonConfig())
            var environment = Workspace.environment
            environment["NOTIFY_SOCKET"] = socket.path
            // WATCHDOG_USEC meant for another process (WATCHDOG_PID is not ours)
            environment["WATCHDOG_USEC"] = "200000"
            environment["WATCHDOG_PID"] = "1"
            let daemon = try h.startDaemon(environment: environment)
            #expect(await socket.waitFor(timeout: 15) { $0.hasPrefix("READY=1") } != nil)
            try await Task.sleep(for: .seconds(1.5))
            #expect(!socket.messages.contains { $0.text == "WATCHDOG=1" })
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPausedProviderShowsInTheStatusLine() async throws {
        try await DaemonHarness.with { h in
            let socket = try NotifySocket()
            defer { socket.stop() }
            let users = TestUser.many(3)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.performChatProbe = "1h"
            try h.writeConfig(config)
            var environment = Workspace.environment
            environment["NOTIFY_SOCKET"] = socket.path
            environment["TEST_PERFORMCHAT_SECRET"] = "not-the-secret"
            let daemon = try h.startDaemon(environment: environment)
            let paused = await socket.waitFor(timeout: 15) { $0.hasSuffix("; performchat paused (401); commbox ok") }
            #expect(paused != nil, "\(socket.texts)")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }

    @Test(
        .timeLimit(.minutes(2)))
    func theWatchdogKeepsBeingPingedDuringASlowButProgressingDispatch() async throws {
        try await DaemonHarness.with { h in
            let socket = try NotifySocket()
            defer { socket.stop() }
            // Given 20 users whose CommBox ids must be looked up one by one, 300 ms each (6 s)
            let users = TestUser.many(20)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            try h.writeConfig(DaemonConfig())
            h.sandbox.setFaults(SandboxFaults(latencyMilliseconds: 300), for: .commBox)
            var environment = Workspace.environment
            environment["NOTIFY_SOCKET"] = socket.path
            environment["WATCHDOG_USEC"] = "1000000"
            // When the service works through them
            let daemon = try h.startDaemon(environment: environment)
            #expect(await eventually(timeout: 30) { h.sandbox.commBoxHolds(users) }, "\(daemon.stderr.suffix(2000))")
            // Then systemd was pinged within every 1 s window: the service made progress all along
            let pings = socket.messages.filter { $0.text == "WATCHDOG=1" }.map(\.time) + [Date()]
            let gaps = zip(pings.dropFirst(), pings).map { $0.timeIntervalSince($1) }
            #expect(pings.count > 2)
            #expect((gaps.max() ?? 0) < 1.0, "longest silence \(gaps.max() ?? 0) s")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
        }
    }
}
