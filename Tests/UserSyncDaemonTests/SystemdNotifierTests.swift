import Foundation
import Testing
@testable import UserSyncDaemon

@Suite("sd_notify over a real datagram socket")
struct SystemdNotifierTests {
    @Test(arguments: [false, true])
    func sendsEachMessageAsOneDatagram(abstract: Bool) throws {
        // Given a socket bound where NOTIFY_SOCKET points (a path, or an abstract @name)
        let listener = try DatagramListener(abstract: abstract)
        defer { listener.stop() }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isActive)
        // When the service goes through its life
        notifier.ready(status: "starting first cycle")
        notifier.status("last cycle 12:00:00: 1 pushed")
        notifier.reloading()
        notifier.ready()
        notifier.watchdog()
        notifier.stopping()
        // Then systemd receives each message whole, in order
        let messages = listener.waitFor(count: 6)
        try #require(messages.count == 6, "\(messages)")
        #expect(messages[0] == "READY=1\nSTATUS=starting first cycle")
        #expect(messages[1] == "STATUS=last cycle 12:00:00: 1 pushed")
        #expect(messages[2].range(of: #"^RELOADING=1\nMONOTONIC_USEC=\d+$"#, options: .regularExpression) != nil, "\(messages[2])")
        #expect(messages[3] == "READY=1")
        #expect(messages[4] == "WATCHDOG=1")
        #expect(messages[5] == "STOPPING=1")
    }

    @Test func reloadingCarriesTheMonotonicClock() throws {
        // Type=notify-reload needs MONOTONIC_USEC from CLOCK_MONOTONIC, not the wall clock.
        let listener = try DatagramListener()
        defer { listener.stop() }
        var before = timespec()
        clock_gettime(CLOCK_MONOTONIC, &before)
        SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address]).reloading()
        var after = timespec()
        clock_gettime(CLOCK_MONOTONIC, &after)
        let message = try #require(listener.waitFor(count: 1).first)
        let usec = try #require(UInt64(message.components(separatedBy: "MONOTONIC_USEC=").last ?? ""))
        #expect(usec >= UInt64(before.tv_sec) * 1_000_000 + UInt64(before.tv_nsec) / 1000)
        #expect(usec <= UInt64(after.tv_sec) * 1_000_000 + UInt64(after.tv_nsec) / 1000)
    }

    @Test func withoutTheVariableEverythingIsANoOp() {
        for environment in [[:], ["NOTIFY_SOCKET": ""]] {
            let notifier = SystemdNotifier(environment: environment)
            #expect(!notifier.isActive)
            notifier.ready(status: "x")
            notifier.stopping()
        }
    }

    @Test func aMissingOrOverlongSocketIsIgnored() throws {
        // systemd going away (or a bad path) must never take the service down.
        SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/dir/notify.sock"]).ready()
        SystemdNotifier(environment: ["NOTIFY_SOCKET": "/tmp/" + String(repeating: "x", count: 200)]).ready()
        SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + String(repeating: "y", count: 200)]).watchdog()
    }

    @Test func watchdogIntervalFromTheEnvironment() {
        let me = "\(getpid())"
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "1000000"]) == .seconds(1))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": me]) == .seconds(30))
        // Meant for another process (a parent that forked us): not ours to answer.
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "0"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "soon"]) == nil)
    }
}
