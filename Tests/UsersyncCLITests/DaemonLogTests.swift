import Foundation
import Testing
import UserSyncSandbox

/// What leaves the process: secrets never (logs, outputs, the state file, sd_notify), e-mail
/// addresses only when asked, and lines in the configured format.
@Suite("usersync run: secrets and log formats", .serialized)
struct DaemonLogTests {
    @Test(.timeLimit(.minutes(2)))
    func secretsNeverAppearAnywhere() async throws {
        // Given sentinel secrets that the sandbox requires and usersync gets from its environment
        let pcSecret = "SENTINEL-pc-\(UUID().uuidString)"
        let cbToken = "SENTINEL-cb-\(UUID().uuidString)"
        let credentials = SandboxCredentials(performChatKeyID: "demo-key-id", performChatKeySecret: pcSecret, commBoxToken: cbToken)
        try await DaemonHarness.with(sandbox: SandboxConfiguration(credentials: credentials)) { h in
            let socket = try NotifySocket()
            defer { socket.stop() }
            var users = TestUser.many(30)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.logLevel = "debug"
            config.performChatProbe = "1s"
            config.commBoxProbe = "1s"
            try h.writeConfig(config)
            let environment = ["TEST_PERFORMCHAT_SECRET": pcSecret, "TEST_COMMBOX_TOKEN": cbToken, "NOTIFY_SOCKET": socket.path]
            // ...and faults: 503s, dropped connections, latency
            let faults = SandboxFaults(failureRate: 0.2, failureStatus: 503, latencyMilliseconds: 20, dropRate: 0.1, seed: 7)
            h.sandbox.setFaults(faults, for: .performChat)
            h.sandbox.setFaults(faults, for: .commBox)

            // When the service runs a full sync under faults, at debug level
            let daemon = try h.startDaemon(environment: environment)
            #expect(await eventually(timeout: 60, poll: 0.2) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(3000))")

            // ...then both providers start refusing its credentials (401) while there is work
            h.sandbox.setCredentials(SandboxCredentials(
                performChatKeyID: "demo-key-id", performChatKeySecret: "rotated-\(UUID().uuidString)", commBoxToken: "rotated-\(UUID().uuidString)"))
            for i in users.indices { users[i].plan = "pro" }
            try h.workspace.writeUsers(users)
            let bothPaused = await daemon.waitForStderr(timeout: 20) { log in
                ["performchat", "commbox"].allSatisfy { p in
                    logLines(log).contains { $0.contains("credentials refused") && $0.contains("provider=\(p)") }
                }
            }
            #expect(bothPaused, "\(daemon.stderr.suffix(3000))")
            // (status and status --json while paused)
            var outputs: [(String, String)] = []
            for arguments in [["status"], ["status", "--json"]] {
                let result = try await h.workspace.usersync(arguments, environment: environment)
                #expect(result.status == 0)
                outputs.append(("\(arguments) while paused", result.stdout + result.stderr))
            }
            #expect(outputs[0].1.contains("PAUSED"), "\(outputs[0].1)")

            // ...and accepting them again, the operator reloads: both providers resume
            // (a reload, not the probes: see DaemonPauseTests.aProbeResumesAProviderWhoseUsersHaveKnownIDs)
            h.sandbox.setCredentials(credentials)
            daemon.signal(SIGHUP)
            #expect(await eventually(timeout: 60, poll: 0.2) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(3000))")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)

            // Then no output anywhere holds either secret
            for arguments in [["status"], ["status", "--json"], ["check"], ["sync", "--once"], ["sync", "--once", "--dry-run", "--json"], ["queue", "list", "--dead"]] {
                let result = try await h.workspace.usersync(arguments, environment: environment)
                outputs.append(("\(arguments)", result.stdout + result.stderr))
            }
            #expect(outputs.first { $0.0 == "[\"check\"]" }?.1.contains("<redacted>") == true)
            outputs.append(("daemon stderr", daemon.stderr))
            outputs.append(("daemon stdout", daemon.stdout))
            outputs.append(("sd_notify", socket.messages.map(\.text).joined(separator: "\n")))
            #expect(daemon.stderr.contains("level=debug"), "debug lines were logged")
            #expect(daemon.stderr.contains("status=503"), "the faults were seen")
            #expect(daemon.stderr.contains("status=401"), "the refusals were seen")
            for (what, text) in outputs {
                #expect(!text.contains(pcSecret), "perform.chat secret in \(what)")
                #expect(!text.contains(cbToken), "CommBox token in \(what)")
            }
            // ...nor the state database, its WAL or shared memory, byte for byte
            let stateFiles = ["", "-wal", "-shm", ".lock"].map { h.workspace.statePath + $0 }
                + ((try? FileManager.default.contentsOfDirectory(atPath: h.workspace.directory.path)) ?? []).map { h.workspace.directory.appendingPathComponent($0).path }
            var checked = 0
            for path in stateFiles {
                guard let bytes = FileManager.default.contents(atPath: path) else { continue }
                checked += 1
                #expect(bytes.range(of: Data(pcSecret.utf8)) == nil, "perform.chat secret in \(path)")
                #expect(bytes.range(of: Data(cbToken.utf8)) == nil, "CommBox token in \(path)")
            }
            #expect(checked >= 3)
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: [false, true])
    func emailAddressesAreRedactedUnlessAskedFor(showPII: Bool) async throws {
        try await DaemonHarness.with { h in
            // Given users identified by their e-mail address, one of them twice (rejected),
            // and none known at the providers (parked, logged with their id)
            try h.workspace.writeSourceLines([
                #"{"id":"alice.smith@example.com","name":"Alice Smith","email":"alice.smith@example.com","metadata":{}}"#,
                #"{"id":"bob.jones@example.org","name":"Bob Jones","email":"bob.jones@example.org","metadata":{}}"#,
                #"{"id":"bob.jones@example.org","name":"Bob Again","email":"bob2@example.org","metadata":{}}"#,
            ])
            var config = DaemonConfig()
            config.showPII = showPII
            try h.writeConfig(config)
            let daemon = try h.startDaemon()
            #expect(await daemon.waitForStderr(timeout: 15) { $0.contains(#"msg="cycle finished""#) }, "\(daemon.stderr.suffix(3000))")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
            let log = daemon.stderr
            // Then the addresses appear, whole or redacted as the operator chose
            let parked = try #require(logLines(log).first { $0.contains("parked") && $0.contains("provider=commbox") }, "\(log)")
            let rejected = try #require(logLines(log).first { $0.contains("row rejected") }, "\(log)")
            if showPII {
                #expect(parked.contains("external_id=alice.smith@example.com"), "\(parked)")
                #expect(rejected.contains(#"\"bob.jones@example.org\""#), "\(rejected)")
            } else {
                #expect(!log.contains("alice.smith@example.com"), "\(log)")
                #expect(!log.contains("bob.jones@example.org"), "\(log)")
                #expect(!log.contains("bob2@example.org"), "\(log)")
                #expect(parked.contains("external_id=a***@example.com"), "\(parked)")
                #expect(rejected.contains(#"\"b***@example.org\""#), "\(rejected)")
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func jsonFormatWritesOneObjectPerLine() async throws {
        try await DaemonHarness.with { h in
            let users = TestUser.many(5)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users + [TestUser(id: "bad", name: "Bad Mail", email: "not-an-address", plan: "free")])
            var config = DaemonConfig()
            config.logFormat = "json"
            config.logLevel = "debug"
            try h.writeConfig(config)
            h.sandbox.setFaults(SandboxFaults(script: [503, 503, .drop]), for: .commBox)
            let daemon = try h.startDaemon()
            #expect(await eventually(timeout: 30) { h.sandbox.holds(users) }, "\(daemon.stderr.suffix(3000))")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
            let lines = logLines(daemon.stderr)
            #expect(lines.count > 10)
            var levels: Set<String> = []
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object != nil, "not a JSON object: \(line)")
                guard let object else { continue }
                #expect(object["msg"] is String && object["time"] is String, "\(line)")
                if let level = object["level"] as? String { levels.insert(level) }
            }
            #expect(levels.isSuperset(of: ["debug", "info", "notice", "warning"]), "\(levels)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func underTheJournalAutoWritesSyslogPriorities() async throws {
        try await DaemonHarness.with { h in
            let users = TestUser.many(4)
            try h.sandbox.seedExisting(users)
            try h.workspace.writeUsers(users)
            var config = DaemonConfig()
            config.logFormat = "auto"
            config.commBoxProbe = "1h"
            try h.writeConfig(config)
            // perform.chat fails twice (warnings); CommBox refuses the token (an error)
            h.sandbox.setFaults(SandboxFaults(script: [503, 503, 503]), for: .performChat)
            var environment = Workspace.environment
            environment["JOURNAL_STREAM"] = "1:2"
            environment["TEST_COMMBOX_TOKEN"] = "wrong-token"
            let daemon = try h.startDaemon(environment: environment)
            #expect(await eventually(timeout: 30) { h.sandbox.performChatHolds(users) }, "\(daemon.stderr.suffix(3000))")
            #expect(await daemon.waitForStderr(timeout: 10) { $0.contains("credentials refused") })
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: 10) == 0)
            let lines = logLines(daemon.stderr)
            let expected = ["debug": "<7>", "info": "<6>", "notice": "<5>", "warning": "<4>", "error": "<3>", "critical": "<2>"]
            var seen: Set<String> = []
            for line in lines {
                #expect(line.range(of: #"^<[0-7]>level=\w+ msg="#, options: .regularExpression) != nil, "\(line)")
                #expect(!line.contains(" time="), "journald stamps the time itself: \(line)")
                for (level, prefix) in expected where line.dropFirst(3).hasPrefix("level=\(level) ") {
                    #expect(line.hasPrefix(prefix), "\(line)")
                    seen.insert(level)
                }
            }
            #expect(seen.isSuperset(of: ["info", "notice", "warning", "error"]), "\(seen)")
        }
    }
}
