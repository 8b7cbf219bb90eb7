import Foundation
import GRDB
import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

@Suite("Write-back into a SQLite table")
struct WriteBackSQLiteTests {
    private let mapping = FieldMapping(externalID: "id", name: "name", email: "email", metadata: "meta", phone: nil)

    /// `users(id, name, email, phone, meta, note, age)` with three users, in `journalMode`.
    private func makeDatabase(in dir: TemporaryDirectory, journalMode: String = "delete") throws -> String {
        let path = dir.path("app.db")
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = \(journalMode)")
            try db.execute(sql: """
                CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, email TEXT, phone TEXT, meta TEXT, note TEXT, age INTEGER);
                INSERT INTO users VALUES ('u1', 'Ada', 'ada@example.com', '+100', '{"plan": "pro", "tags": ["a"], "n": 1.50}', 'keep', 36);
                INSERT INTO users VALUES ('u2', 'Grace', 'grace@example.com', NULL, NULL, NULL, NULL);
                INSERT INTO users VALUES ('u3', 'Linus', 'linus@example.com', '+300', '', x'FF00', 7);
                """)
        }
        try queue.close()
        return path
    }

    /// Every cell of every row as SQLite's `quote()` shows it: value and storage class.
    private func dump(_ path: String) throws -> [[String]] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT quote(id), quote(name), quote(email), quote(phone), quote(meta), quote(note), quote(age)
                FROM users ORDER BY id
                """).map { row in (0..<7).map { row[$0] as String } }
        }
    }

    private func meta(_ path: String, _ id: String) throws -> String? {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try String.fetchOne(db, sql: "SELECT meta FROM users WHERE id = ?", arguments: [id]) }
    }

    @Test("updates only the changed mapped columns of the changed users")
    func onlyChangedColumns() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let before = try dump(path)
        let writeBack = try SQLiteTableWriteBack(path: path, table: "users", mapping: mapping)

        let result = try writeBack.apply([
            fieldChange("u1", "name", to: "Ada Lovelace", from: "Ada"),
            fieldChange("u2", "email", to: nil, from: "grace@example.com"),
            fieldChange("u2", "phone", to: "+200"),  // not mapped
            fieldChange("u9", "name", to: "Nobody"),  // not in the table
            fieldChange("u1", "external_id", to: "u100"),  // never written
        ])

        #expect(result.applied == 2)
        #expect(result.skippedSummary == ["u2 phone: field_not_mapped", "u9 name: user_not_found", "u1 external_id: field_not_writable"])
        var expected = before
        expected[0][1] = "'Ada Lovelace'"
        expected[1][2] = "NULL"
        #expect(try dump(path) == expected)
    }

    @Test("sets and removes metadata keys with json_set / json_remove, keeping the other keys")
    func metadataKeys() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let before = try dump(path)
        let writeBack = try SQLiteTableWriteBack(path: path, table: "users", mapping: mapping)

        let result = try writeBack.apply([
            fieldChange("u1", "metadata.plan", to: "team", from: "pro"),
            fieldChange("u1", "metadata.tags", to: nil, from: ["a"]),
            fieldChange("u1", "metadata.new key.x", to: ["x": 1]),
            fieldChange("u2", "metadata.seats", to: 3),  // NULL column: becomes an object
            fieldChange("u3", "metadata.gone", to: nil),  // blank column, nothing to remove: left alone
        ])

        #expect(result.applied == 5)
        #expect(result.skipped.isEmpty)
        #expect(try JSONParser.parse(try #require(try meta(path, "u1"))) == ["plan": "team", "n": .number("1.50"), "new key.x": ["x": 1]])
        // json_set keeps the key order and the number's literal.
        #expect(try meta(path, "u1") == #"{"plan":"team","n":1.50,"new key.x":{"x":1}}"#)
        #expect(try meta(path, "u2") == #"{"seats":3}"#)
        #expect(try meta(path, "u3") == "")
        let after = try dump(path)
        for (row, (old, new)) in zip(before, after).enumerated() {
            for column in [0, 1, 2, 3, 5, 6] { #expect(old[column] == new[column], "row \(row) column \(column)") }
        }
    }

    @Test("a key SQLite's paths cannot name exactly is edited as text, without a duplicate")
    func awkwardKeys() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: #"UPDATE users SET meta = '{"caf\u00e9": 1, "z": 2}' WHERE id = 'u2'"#)
            try db.execute(sql: #"UPDATE users SET meta = CAST('{"plan": "pro"}' AS BLOB) WHERE id = 'u3'"#)
        }
        try queue.close()
        let writeBack = try SQLiteTableWriteBack(path: path, table: "users", mapping: mapping)

        try writeBack.apply([
            fieldChange("u1", #"metadata.he said "hi""#, to: "yes"),
            fieldChange("u1", #"metadata.back\slash"#, to: 1),
            fieldChange("u2", "metadata.café", to: 5),
            fieldChange("u3", "metadata.plan", to: "team"),
        ])

        let u1 = try JSONParser.parse(try #require(try meta(path, "u1")))
        #expect(u1 == ["plan": "pro", "tags": ["a"], "n": .number("1.50"), #"he said "hi""#: "yes", #"back\slash"#: 1])
        // The stored (escaped) key is the one replaced: no second "café".
        #expect(try meta(path, "u2") == #"{"caf\u00e9": 5, "z": 2}"#)
        // JSON text in a BLOB (which SQLite 3.40's JSON functions refuse) is edited as text.
        #expect(try meta(path, "u3") == #"{"plan": "team"}"#)
    }

    @Test("metadata that is not a JSON object is left alone and the change skipped")
    func metadataNotObject() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "UPDATE users SET meta = '[1, 2]' WHERE id = 'u2'") }
        try queue.close()
        let writeBack = try SQLiteTableWriteBack(path: path, table: "users", mapping: mapping)

        let result = try writeBack.apply([fieldChange("u2", "metadata.plan", to: "pro"), fieldChange("u2", "name", to: "G")])

        #expect(result.applied == 1)
        #expect(result.skippedSummary == ["u2 metadata.plan: metadata_not_object"])
        #expect(try meta(path, "u2") == "[1, 2]")
    }

    @Test("finds integer ids and ids stored with spaces, like the reader; a missing column is skipped")
    func idsAndMissingColumns() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("ints.db")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE "People" (pid INTEGER PRIMARY KEY, "full name" TEXT, tag);
                INSERT INTO "People" VALUES (42, 'Ada', 'x');
                INSERT INTO "People" VALUES (43, 'Bob', 'y');
                CREATE TABLE padded (pid TEXT, "full name" TEXT);
                INSERT INTO padded VALUES (' 7 ', 'Pad');
                """)
        }
        try queue.close()
        let people = FieldMapping(externalID: "pid", name: "full name", email: "mail", metadata: nil)

        let result = try SQLiteTableWriteBack(path: path, table: "people", mapping: people).apply([
            fieldChange("42", "name", to: "Ada L."),
            fieldChange("43", "email", to: "bob@example.com"),
        ])
        let padded = try SQLiteTableWriteBack(path: path, table: "padded", mapping: people).apply([fieldChange("7", "name", to: "Padded")])

        #expect(result.applied == 1)
        #expect(result.skippedSummary == ["43 email: column_missing"])
        #expect(padded.applied == 1)
        let check = try DatabaseQueue(path: path)
        let names = try check.read { db in try String.fetchAll(db, sql: #"SELECT "full name" FROM "People" ORDER BY pid"#) }
        let padName = try check.read { db in try String.fetchOne(db, sql: #"SELECT "full name" FROM padded"#) }
        #expect(names == ["Ada L.", "Bob"])
        #expect(padName == "Padded")
    }

    @Test("a missing database, table or read-only file throws and creates nothing")
    func failures() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.path("none.db")
        #expect(writeBackError { try SQLiteTableWriteBack(path: missing, table: "users", mapping: mapping).apply([fieldChange("u1", "name", to: "x")]) }?.code == "cannot_open")
        #expect(!FileManager.default.fileExists(atPath: missing))

        let path = try makeDatabase(in: dir)
        #expect(writeBackError { try SQLiteTableWriteBack(path: path, table: "nope", mapping: mapping).apply([fieldChange("u1", "name", to: "x")]) }?.code == "unknown_table")
        // Nothing to write: the database is not even opened.
        #expect(try SQLiteTableWriteBack(path: missing, table: "users", mapping: mapping).apply([fieldChange("u1", "phone", to: "1")]).skipped.count == 1)
    }

    @Test("waits for another connection's write transaction and succeeds once it commits", arguments: ["delete", "wal"])
    func waitsForWriter(journalMode: String) throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir, journalMode: journalMode)
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: path, configuration: configuration)
        try holder.inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE; UPDATE users SET note = 'holder' WHERE id = 'u2'")
        }
        let writeBack = try SQLiteTableWriteBack(path: path, table: "users", mapping: mapping, busyTimeout: 10)

        let outcome = AsyncOutcome()
        let started = Date()
        Thread.detachNewThread {
            outcome.set(Result { try writeBack.apply([fieldChange("u1", "name", to: "Waited")]) })
        }
        Thread.sleep(forTimeInterval: 0.6)
        #expect(outcome.get() == nil, "apply must wait while the other connection holds the write lock")
        try holder.inDatabase { db in try db.execute(sql: "COMMIT") }
        let result = try outcome.wait().get()

        #expect(result.applied == 1)
        #expect(Date().timeIntervalSince(started) >= 0.5)
        let rows = try dump(path)
        #expect(rows[0][1] == "'Waited'")
        #expect(rows[1][5] == "'holder'")
        try holder.close()
    }

    @Test("throws once the busy timeout passes, loses nothing, and a later apply succeeds", arguments: ["delete", "wal"])
    func givesUpAfterTimeout(journalMode: String) throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir, journalMode: journalMode)
        let before = try dump(path)
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: path, configuration: configuration)
        try holder.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE; UPDATE users SET note = 'holder' WHERE id = 'u2'") }
        let writeBack = try SQLiteTableWriteBack(path: path, table: "users", mapping: mapping, busyTimeout: 0.3)
        let changes = [fieldChange("u1", "name", to: "Later"), fieldChange("u1", "metadata.plan", to: "team")]

        let outcome = AsyncOutcome()
        let started = Date()
        Thread.detachNewThread { outcome.set(Result { try writeBack.apply(changes) }) }
        let failed = outcome.wait()
        let elapsed = Date().timeIntervalSince(started)
        try holder.inDatabase { db in try db.execute(sql: "COMMIT") }

        guard case .failure(let error as SourceError) = failed else {
            Issue.record("expected a SourceError, got \(failed)")
            return
        }
        #expect(error.code == "cannot_write")
        #expect(error.description.contains("locked"))
        #expect(elapsed >= 0.25)
        var expected = before
        expected[1][5] = "'holder'"
        #expect(try dump(path) == expected, "nothing of the failed batch was applied")

        // Next cycle: the same changes go through.
        let result = try writeBack.apply(changes)
        #expect(result.applied == 2)
        #expect(try dump(path)[0][1] == "'Later'")
        #expect(try JSONParser.parse(try #require(try meta(path, "u1")))["plan"] == "team")
        try holder.close()
    }
}

/// The result of `apply` run on another thread.
final class AsyncOutcome: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<WriteBackResult, any Error>?

    func set(_ result: Result<WriteBackResult, any Error>) {
        condition.lock()
        self.result = result
        condition.broadcast()
        condition.unlock()
    }

    func get() -> Result<WriteBackResult, any Error>? {
        condition.lock()
        defer { condition.unlock() }
        return result
    }

    func wait(timeout: TimeInterval = 30) -> Result<WriteBackResult, any Error> {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while result == nil {
            if !condition.wait(until: deadline) { return .failure(TimedOut()) }
        }
        return result!
    }

    struct TimedOut: Error {}
}
