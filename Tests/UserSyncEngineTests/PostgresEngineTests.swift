import Foundation
import PostgresNIO
import PostgresTestSupport
import Testing
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSources
import UserSyncSandbox
import UserSyncStore

/// The engine over a real PostgreSQL source (scripts/test.sh starts the server): change
/// detection, full scans, write-back under row locks, a server restart mid-read.
@Suite(
    "PostgreSQL source: cycles", .serialized,
    .enabled(if: PostgresTestServer.shouldRun, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresEngineTests {
    /// `users` as an application keeps it, with a trigger that stamps `updated_at` on every
    /// update (what an operator adds for `change_column`).
    static func createUsers(_ db: TestDatabase, _ users: [BiUser]) async throws {
        try await db.execute("""
            CREATE TABLE users (id text PRIMARY KEY, name text, email text, metadata jsonb, note text,
                updated_at timestamptz NOT NULL DEFAULT clock_timestamp())
            """)
        try await db.execute("""
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$
            """)
        try await db.execute("CREATE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()")
        for user in users { try await insert(db, user) }
    }

    static func insert(_ db: TestDatabase, _ user: BiUser) async throws {
        var binds = PostgresBindings()
        try binds.append(user.id)
        try binds.append(user.name)
        try binds.append(user.email)
        try binds.append(JSONValue.object(user.metadata).canonicalText)
        try binds.append(user.note)
        let rows = try await db.connection.query(
            PostgresQuery(unsafeSQL: "INSERT INTO users (id, name, email, metadata, note) VALUES ($1, $2, $3, $4::jsonb, $5)", binds: binds),
            logger: Logger(label: "t"))
        for try await _ in rows {}
    }

    static func numbered(_ n: Int) -> BiUser {
        BiUser(id: "u\(n)", name: "User \(n)", email: "u\(n)@example.com", metadata: ["plan": n % 2 == 0 ? "pro" : "free"])
    }

    func options(_ db: TestDatabase, direction: String = "push", _ lines: [String] = []) throws -> BiOptions {
        var options = BiOptions(source: .postgres)
        options.direction = direction
        options.postgresURL = try db.url()
        options.postgresLines = lines
        options.content = ["plan": "Plan"]
        return options
    }

    @Test("with change_column, a cycle reads only the rows changed since the watermark", .timeLimit(.minutes(2)))
    func incrementalCycle() async throws {
        try await withTestDatabase { db in
            try await withBiFixture { f in
                // Given 40 users, synced by a first (full) cycle
                let users = (1...40).map(Self.numbered)
                try await Self.createUsers(db, users)
                let options = try options(db, ["change_column: updated_at", "change_overlap: 0s"])
                let engine = try await f.establish(users, options)
                // When one row changes
                try await db.execute("UPDATE users SET name = 'Renamed Seven' WHERE id = 'u7'")
                let report = try await engine.runCycle()
                // Then only that row was read, and it reached both providers
                #expect(report.plan.incremental)
                #expect(report.plan.summary.rowsRead == 1)
                #expect(report.dispatch[.performchat]?.pushed == 1)
                #expect(report.dispatch[.commbox]?.pushed == 1)
                var renamed = Self.numbered(7)
                renamed.name = "Renamed Seven"
                f.expectAtPerformChat(renamed)
                // And a cycle with nothing changed reads nothing
                let idle = try await engine.runCycle()
                #expect(idle.plan.incremental && idle.plan.summary.rowsRead == 0)
                #expect(idle.pushed == 0)
            }
        }
    }

    @Test("a deleted row is noticed by the next full scan, never by an incremental read", .timeLimit(.minutes(2)))
    func fullScanCatchesDeletion() async throws {
        try await withTestDatabase { db in
            try await withBiFixture { f in
                let users = (1...5).map(Self.numbered)
                try await Self.createUsers(db, users)
                // (4 s: the incremental cycle below must come before the full scan is due, also
                // on a loaded machine)
                var options = try options(db, ["change_column: updated_at", "full_scan_interval: 4s"])
                options.deletions = "report"
                let engine = try await f.establish(users, options)
                // When a row is deleted
                try await db.execute("DELETE FROM users WHERE id = 'u3'")
                // Then an incremental cycle does not take the unread users for gone
                let incremental = try await engine.runCycle()
                #expect(incremental.plan.incremental)
                #expect(incremental.plan.summary.providers[.performchat]?.removed == 0)
                // And the full scan, once due, reports the deleted user
                try await Task.sleep(for: .milliseconds(4100))
                let full = try await engine.runCycle()
                #expect(!full.plan.incremental)
                #expect(full.plan.summary.rowsRead == 4)
                #expect(full.plan.summary.providers[.performchat]?.removed == 1)
                #expect(full.plan.summary.providers[.commbox]?.removed == 1)
            }
        }
    }

    @Test("write-back sets only the changed columns; a lock on another row does not stop it", .timeLimit(.minutes(2)))
    func writeBackBesideALockedRow() async throws {
        try await withTestDatabase { db in
            try await withBiFixture { f in
                try await Self.createUsers(db, BiUser.pair)
                // Which columns each UPDATE names (an `UPDATE OF col` trigger fires only then).
                try await db.execute("CREATE TABLE touched (id text, col text)")
                for column in ["name", "email", "metadata", "note"] {
                    try await db.execute("""
                        CREATE FUNCTION log_\(column)() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN INSERT INTO touched VALUES (NEW.id, '\(column)'); RETURN NEW; END $$
                        """)
                    try await db.execute(
                        "CREATE TRIGGER log_\(column) AFTER UPDATE OF \(column) ON users FOR EACH ROW EXECUTE FUNCTION log_\(column)()")
                }
                let options = try options(db, direction: "both", ["change_column: updated_at", "lock_timeout: 300ms"])
                let engine = try await f.establish(BiUser.pair, options)
                // Given the application holds a lock on u2's row
                let holder = try await db.newConnection()
                try await holder.query("BEGIN", logger: Logger(label: "t"))
                try await holder.query("SELECT * FROM users WHERE id = 'u2' FOR UPDATE", logger: Logger(label: "t"))
                // When u1's name is edited at perform.chat
                try f.editAtPerformChat("u1", name: "Ada King")
                let report = try await engine.runCycle()
                #expect(report.remoteChanges == 1)
                // Then only u1's name was written, and nothing is left pending
                let rows = try await db.rows("SELECT id, name, note FROM users ORDER BY id")
                #expect(rows[0]["name"] == "Ada King")
                #expect(rows[0]["note"] == BiUser.ada.note)
                let touched = try await db.rows("SELECT id, col FROM touched")
                #expect(touched.count == 1 && touched.first?["col"] == "name" && touched.first?["id"] == "u1")
                #expect(try engine.store.acceptedChanges(pendingOnly: true).isEmpty)
                try await holder.query("ROLLBACK", logger: Logger(label: "t"))
                try await holder.close()
                // And the written value does not come back as a local edit: nothing more is sent to perform.chat
                f.sandbox.resetRequests()
                _ = try await f.cycles(engine, 2)
                #expect(f.writes.performChat == 0)
                let edited = BiUser(id: "u1", name: "Ada King", email: BiUser.ada.email, metadata: BiUser.ada.metadata)
                f.expectAtCommBox(edited, content: options.content)
            }
        }
    }

    @Test("a write-back blocked by a lock on the same row is kept and written next cycle", .timeLimit(.minutes(2)))
    func writeBackOnALockedRow() async throws {
        try await withTestDatabase { db in
            try await withBiFixture { f in
                try await Self.createUsers(db, BiUser.pair)
                let options = try options(db, direction: "both", ["change_column: updated_at", "lock_timeout: 300ms"])
                let engine = try await f.establish(BiUser.pair, options)
                let holder = try await db.newConnection()
                try await holder.query("BEGIN", logger: Logger(label: "t"))
                try await holder.query("SELECT * FROM users WHERE id = 'u1' FOR UPDATE", logger: Logger(label: "t"))
                try f.editAtPerformChat("u1", name: "Ada King", metadata: ["country": "FR"])
                // When the cycle meets the lock
                let locked = try await engine.runCycle()
                #expect(locked.remoteChanges == 2)
                // Then nothing was written, and the changes are kept
                #expect(try await db.rows("SELECT name FROM users WHERE id = 'u1'").first?["name"] == "Ada Lovelace")
                #expect(Set(try engine.store.acceptedChanges(pendingOnly: true).map(\.change.field)) == ["name", "metadata.country"])
                // When the lock is released, the next cycle writes them
                try await holder.query("ROLLBACK", logger: Logger(label: "t"))
                try await holder.close()
                _ = try await engine.runCycle()
                let row = try #require(try await db.rows("SELECT name, metadata::text AS metadata FROM users WHERE id = 'u1'").first)
                #expect(row["name"] == "Ada King")
                let metadata = try JSONParser.parse(try #require(row["metadata"] ?? nil))
                #expect(metadata == .object(["plan": "free", "country": "FR"]))
                #expect(try engine.store.acceptedChanges(pendingOnly: true).isEmpty)
            }
        }
    }

    @Test("a server restart mid-read fails the cycle cleanly; the next one plans what is left, once", .timeLimit(.minutes(3)))
    func restartMidRead() async throws {
        try await withTestDatabase { db in
            try await withBiFixture { f in
                let users = (1...1500).map(Self.numbered)
                try await Self.createUsers(db, users)
                let engine = try await f.establish(users, try options(db))
                // Given every user renamed, and a read slowed down so that the restart lands inside it
                try await db.execute("UPDATE users SET name = name || ' v2'")
                try await db.execute("CREATE FUNCTION slow(t text) RETURNS text LANGUAGE sql AS $$ SELECT t FROM pg_sleep(0.002) $$")
                try await db.execute("CREATE VIEW slow_users AS SELECT id, slow(name) AS name, email, metadata, note FROM users")
                var options = try options(db)
                options.postgresLines = []
                options.raiseGuard = true  // every user changes, on purpose
                let yaml = f.yaml(options).replacingOccurrences(of: "  table: users", with: "  table: slow_users")
                let config = try ConfigLoader.parse(
                    yaml: yaml, fileName: f.directory.appendingPathComponent("slow.yaml").path, environment: [:],
                    configDirectory: f.directory.path, providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
                let slowEngine = try SyncEngine(config: config, client: f.client, logger: BiFixture.logger, store: engine.store)
                // When the server restarts while the cycle reads
                let restart = Task.detached {
                    try await Task.sleep(for: .milliseconds(700))
                    try PostgresTestServer.restart()
                }
                await #expect(throws: (any Error).self) { _ = try await slowEngine.runCycle() }
                try await restart.value
                // Then the next cycle plans the new users, each once
                f.sandbox.resetRequests()
                let next = try await slowEngine.runCycle()
                #expect(next.plan.summary.rowsRead == 1500)
                #expect(next.dispatch[.performchat]?.pushed == 1500)
                #expect(next.dispatch[.commbox]?.pushed == 1500)
                #expect(f.sandbox.performChatUsers().allSatisfy { $0.name?.hasSuffix(" v2") == true })
                #expect(try engine.store.outboxCount() == 0)
            }
        }
    }
}
