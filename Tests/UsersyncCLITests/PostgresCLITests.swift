import Foundation
import PostgresNIO
import PostgresTestSupport
import Testing
import UserSyncSandbox

/// The real `usersync` binary over a PostgreSQL source (scripts/test.sh starts the server).
@Suite(
    "PostgreSQL source: the real binary", .serialized,
    .enabled(if: PostgresTestServer.shouldRun, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresCLITests {
    static func createUsers(_ db: TestDatabase, _ users: [TestUser]) async throws {
        try await db.execute("""
            CREATE TABLE users (id text PRIMARY KEY, name text, email text, metadata jsonb,
                updated_at timestamptz NOT NULL DEFAULT clock_timestamp())
            """)
        let values = users.map { "('\($0.id)', '\($0.name)', '\($0.email)', '{\"plan\": \"\($0.plan)\"}')" }
        try await db.execute("INSERT INTO users (id, name, email, metadata) VALUES " + values.joined(separator: ", "))
    }

    static func sourceLines(
        _ db: TestDatabase, url: String? = nil, fields: String = "{ external_id: id, name: name, email: email, metadata: metadata }",
        _ extra: [String] = []
    ) throws -> [String] {
        ["  kind: postgres", "  url: \(try url ?? db.url())", "  table: users", "  fields: \(fields)"] + extra.map { "  " + $0 }
    }

    @Test("check logs in over verify-full TLS with the password from password_file or password_env; a wrong one fails without showing it",
          .timeLimit(.minutes(1)))
    func passwordOverTLS() async throws {
        try await withTestDatabase { db in
            try await DaemonHarness.with { h in
                // Given a role that needs a password, allowed to read the table, and the server's CA
                try await Self.createUsers(db, TestUser.many(2))
                let user = try PostgresTestServer.required(PostgresTestServer.passwordUser, "PASSWORD_USER")
                let password = try PostgresTestServer.required(PostgresTestServer.password, "PASSWORD")
                let ca = try PostgresTestServer.required(PostgresTestServer.certificateAuthority, "CA")
                try await db.execute("GRANT SELECT ON users TO \(user)")
                let url = try db.url(user: user, host: "localhost")
                let tls = ["sslmode: verify-full", "ssl_root_cert: \(ca)"]
                let passwordFile = h.workspace.directory.appendingPathComponent("pg-password")
                try (password + "\n").write(to: passwordFile, atomically: true, encoding: .utf8)
                var config = DaemonConfig()
                // When the password comes from a file
                config.sourceLines = try Self.sourceLines(db, url: url, tls + ["password_file: \(passwordFile.path)"])
                try h.writeConfig(config)
                let fromFile = try await h.workspace.usersync(["check"])
                // Then check connects and passes
                #expect(fromFile.status == 0, "\(fromFile.stderr)")
                // And from the environment
                config.sourceLines = try Self.sourceLines(db, url: url, tls + ["password_env: TEST_PG_PASSWORD"])
                try h.writeConfig(config)
                var environment = Workspace.environment
                environment["TEST_PG_PASSWORD"] = password
                let fromEnvironment = try await h.workspace.usersync(["check"], environment: environment)
                #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
                // When the password is wrong: a clear warning that never shows it (the server
                // refusing is not a config-file error: check warns, as for an unreachable server)
                let wrong = "not-\(password)"
                environment["TEST_PG_PASSWORD"] = wrong
                let refused = try await h.workspace.usersync(["check"], environment: environment)
                #expect(refused.stderr.contains("warning: the source's columns could not be checked"), "\(refused.stderr)")
                #expect(refused.stderr.contains("password authentication failed for user \"\(user)\""), "\(refused.stderr)")
                #expect(!refused.stderr.contains(password) && !refused.stdout.contains(password), "neither the wrong password nor the right one")
            }
        }
    }

    @Test("check exits 78 and names a mapped column the table lacks", .timeLimit(.minutes(1)))
    func checkMissingColumn() async throws {
        try await withTestDatabase { db in
            try await DaemonHarness.with { h in
                try await Self.createUsers(db, TestUser.many(2))
                // Given a mapping naming a column the table does not have
                var config = DaemonConfig()
                config.sourceLines = try Self.sourceLines(db, fields: "{ external_id: id, name: full_name, email: email }")
                try h.writeConfig(config)
                // When
                let result = try await h.workspace.usersync(["check"])
                // Then
                #expect(result.status == 78)
                #expect(result.stderr.contains("\"full_name\""), "\(result.stderr)")
                // And with the right mapping, check passes
                config.sourceLines = try Self.sourceLines(db)
                try h.writeConfig(config)
                let fixed = try await h.workspace.usersync(["check"])
                #expect(fixed.status == 0, "\(fixed.stderr)")
            }
        }
    }

    @Test("a NOTIFY wakes the daemon: a change reaches the provider in under 2 s with sync.interval 1h; a lost listener comes back", .timeLimit(.minutes(2)))
    func notifyWakeUp() async throws {
        try await withTestDatabase { db in
            try await DaemonHarness.with { h in
                // Given the table, the trigger `usersync postgres trigger-sql` prints, and a daemon
                let users = TestUser.many(3)
                try await Self.createUsers(db, users)
                try h.sandbox.seedExisting(users)
                var config = DaemonConfig()
                config.interval = "1h"
                config.sourceLines = try Self.sourceLines(db, ["change_column: updated_at", "notify_channel: usersync_users"])
                try h.writeConfig(config)
                let sql = try await h.workspace.usersync(["postgres", "trigger-sql"])
                #expect(sql.status == 0, "\(sql.stderr)")
                try await db.executeScript(sql.stdout)
                let daemon = try h.startDaemon()
                #expect(await eventually(timeout: 30) { h.sandbox.holds(users) })
                #expect(await daemon.waitForStderr(timeout: 10) { $0.contains("listening for source changes") })
                // When a row changes
                try await Task.sleep(for: .milliseconds(300))
                let changed = Date()
                try await db.execute("UPDATE users SET name = 'Changed Name' WHERE id = 'u2'")
                // Then it reaches perform.chat in under 2 s, without waiting for the hour
                var expected = users
                expected[1].name = "Changed Name"
                #expect(await eventually(timeout: 10, poll: 0.02) { h.sandbox.performChatHolds(expected) })
                let elapsed = Date().timeIntervalSince(changed)
                #expect(elapsed < 2, "took \(elapsed) s")

                // When the listening connection is lost
                try await db.execute("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = 'usersync' AND query ILIKE 'LISTEN%'
                    """)
                // Then the daemon says so, listens again, and wake-ups work again
                #expect(await daemon.waitForStderr(timeout: 10) { $0.contains("source change notifications lost") })
                #expect(await daemon.waitForStderr(timeout: 10) {
                    $0.components(separatedBy: "listening for source changes").count - 1 >= 2
                })
                let again = Date()
                try await db.execute("UPDATE users SET name = 'Again Name' WHERE id = 'u3'")
                expected[2].name = "Again Name"
                #expect(await eventually(timeout: 10, poll: 0.02) { h.sandbox.performChatHolds(expected) })
                // (woken again, not polling: the interval is an hour)
                #expect(Date().timeIntervalSince(again) < 5)
            }
        }
    }
}
