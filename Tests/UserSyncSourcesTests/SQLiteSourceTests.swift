import Foundation
import GRDB
import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

@Suite("SQLite source")
struct SQLiteSourceTests {
    /// A database with a `users` table: text, integer, real, NULL and blob columns.
    private func makeDatabase(in dir: TemporaryDirectory, name: String = "users.sqlite") throws -> String {
        let path = dir.path(name)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, age INTEGER, score REAL, note TEXT, photo BLOB);
                INSERT INTO users VALUES ('u1', 'Zoë', 36, 1.5, NULL, NULL);
                INSERT INTO users VALUES ('u2', 'Grace', NULL, NULL, 'n', CAST('utf-8 blob' AS BLOB));
                INSERT INTO users VALUES ('u3', 'Linus', -7, 100.0, '', x'FF00');
                """)
        }
        try queue.close()
        return path
    }

    @Test("reads every column of a table with SQLite's types")
    func table() throws {
        // Given
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        // When
        let items = try readAll(SQLiteSource(path: path, table: "users"))
        // Then
        #expect(items.map(\.location) == [SourceLocation(.row, 1), SourceLocation(.row, 2), SourceLocation(.row, 3)])
        #expect(items[0].row?.columns == [
            "id": "u1", "name": "Zoë", "age": .number("36"), "score": .number("1.5"), "note": .null, "photo": .null,
        ])
        #expect(items[1].row?.columns["age"] == .null)
        #expect(items[1].row?.columns["photo"] == "utf-8 blob")
        #expect(items[2].reason == .invalidUTF8)
    }

    @Test("given the mapped columns, a table is read for those only; one the table lacks stops the read, named")
    func mappedColumns() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        func source(_ columns: [String]) throws -> any UserSource {
            var options = SourceOptions(kind: "sqlite", path: path, table: "users")
            options.columns = columns
            return try SourceRegistry.make(options)
        }
        // Only the mapped columns reach the rows
        let rows = try readAll(source(["id", "name", "age"])).compactMap(\.row)
        #expect(rows.map(\.columns) == [
            ["id": "u1", "name": "Zoë", "age": .number("36")],
            ["id": "u2", "name": "Grace", "age": .null],
            ["id": "u3", "name": "Linus", "age": .number("-7")],
        ])
        // (u3's photo is not UTF-8, but nobody maps it: the row reads)
        // A mapped column dropped or renamed stops the read rather than clearing it for everyone
        let error = try #require(throws: SourceError.self) { try readAll(source(["id", "name", "phone"])) }
        #expect(error.code == "missing_column")
        #expect(error.description.contains("\"phone\""), "\(error.description)")
        #expect(error.description.contains("photo"), "the columns there are: \(error.description)")
    }

    @Test("checkColumns names a mapped column that a table or a query does not return")
    func checkColumns() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let table = try SQLiteSource(path: path, table: "users")
        try table.checkColumns(["id", "name", "note"])
        let missing = try #require(throws: SourceError.self) { try table.checkColumns(["id", "full_name"]) }
        #expect(missing.code == "missing_column")
        #expect(missing.description.contains("\"full_name\""))
        let query = try SQLiteSource(path: path, query: "SELECT id, name AS full_name FROM users")
        try query.checkColumns(["id", "full_name"])
        #expect(throws: SourceError.self) { try query.checkColumns(["id", "name"]) }
    }

    @Test("reads a query, and a table whose name needs quoting")
    func queryAndQuotedTable() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: #"CREATE TABLE "we""ird table" (id TEXT); INSERT INTO "we""ird table" VALUES ('x');"#)
        }
        try queue.close()

        let query = """
            -- adults only
            WITH adults AS (SELECT * FROM users WHERE age > 0)
            SELECT id AS external_id, upper(name) AS name, age FROM adults ORDER BY id;
            """
        let rows = try readAll(SQLiteSource(path: path, query: query))
        #expect(rows.count == 1)
        #expect(rows[0].row?.columns == ["external_id": "u1", "name": "ZOë", "age": .number("36")])

        let weird = try readAll(SQLiteSource(path: path, table: "we\"ird table"))
        #expect(weird.first?.row?.columns == ["id": "x"])
    }

    @Test("TEXT holding bytes that are not UTF-8 is unreadable, not repaired")
    func invalidText() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("bad.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id TEXT); INSERT INTO t VALUES (CAST(x'C328' AS TEXT)), ('ok');")
        }
        try queue.close()
        let items = try readAll(SQLiteSource(path: path, table: "t"))
        #expect(items[0].reason == .invalidUTF8)
        #expect(items[1].row?.columns["id"] == "ok")
    }

    @Test("queries that are not a single SELECT or WITH are refused", arguments: [
        "DELETE FROM users",
        "SELECT 1; DELETE FROM users",
        "  /* hi */ UPDATE users SET name = 'x'",
        "PRAGMA table_info(users)",
        "",
    ])
    func rejectedAtConfiguration(query: String) throws {
        let error = sourceError { _ = try SQLiteSource(path: "/tmp/any.sqlite", query: query) }
        #expect(error?.code == "query_rejected")
    }

    @Test("a WITH … DELETE is refused when prepared, and the database is untouched")
    func rejectedWhenPrepared() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let before = try contents(of: path)
        let source = try SQLiteSource(path: path, query: "WITH doomed AS (SELECT 'u1') DELETE FROM users WHERE id IN doomed")
        let error = sourceError { _ = try readAll(source) }
        #expect(error?.code == "query_rejected")
        #expect(try contents(of: path) == before)
    }

    @Test("semicolons inside strings and comments are not statement ends")
    func semicolonsInStrings() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let source = try SQLiteSource(path: path, query: "SELECT id, 'a;b' AS x FROM users /* ; */ WHERE id = 'u1'; -- done;")
        #expect(try readAll(source).first?.row?.columns == ["id": "u1", "x": "a;b"])
    }

    @Test("an unknown table is a SourceError listing the tables there are")
    func unknownTable() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let error = sourceError { _ = try readAll(SQLiteSource(path: path, table: "userz")) }
        #expect(error?.description == "source \(path) has no table or view named \"userz\" (it has: users)")
        #expect(error?.code == "unknown_table")
    }

    @Test("a missing database is a SourceError, and no file is created")
    func missingDatabase() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("absent.sqlite")
        let error = sourceError { _ = try readAll(SQLiteSource(path: path, table: "users")) }
        #expect(error?.description == "cannot open source \(path): No such file or directory")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a file that is not a SQLite database is a SourceError")
    func notADatabase() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.sqlite", String(repeating: "not a database\n", count: 100))
        let error = sourceError { _ = try readAll(SQLiteSource(path: path, table: "users")) }
        #expect(error?.code == "database_error")
        #expect(error?.description.contains("is it a SQLite database?") == true)
    }

    @Test("reading leaves the database file byte-for-byte unchanged and creates no file")
    func neverWrites() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let before = try contents(of: path)
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        _ = try readAll(SQLiteSource(path: path, table: "users"))
        _ = try readAll(SQLiteSource(path: path, query: "SELECT * FROM users"))
        _ = try SQLiteSource(path: path, table: "users").fingerprint()
        #expect(try contents(of: path) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == filesBefore)
    }

    @Test("the fingerprint holds while nothing changes and moves after an UPDATE (rollback journal)")
    func fingerprintRollbackJournal() throws {
        let dir = try TemporaryDirectory()
        let path = try makeDatabase(in: dir)
        let source = try SQLiteSource(path: path, table: "users")
        let first = try source.fingerprint()
        _ = try readAll(source)
        #expect(try source.fingerprint() == first)

        // Same size, possibly the same mtime tick: the change counter still moves.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "UPDATE users SET name = 'Zoe' WHERE id = 'u1'") }
        try queue.close()
        #expect(try source.fingerprint() != first)
    }

    @Test("in WAL mode, a commit by another connection changes the fingerprint")
    func fingerprintWAL() throws {
        // Given: a WAL database kept open by a writer, as an application would
        let dir = try TemporaryDirectory()
        let path = dir.path("wal.sqlite")
        let writer = try DatabasePool(path: path)
        try writer.write { db in
            try db.execute(sql: "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT); INSERT INTO users VALUES ('u1', 'Ada');")
        }
        let source = try SQLiteSource(path: path, table: "users")
        let before = try source.fingerprint()
        #expect(try readAll(source).count == 1)
        #expect(try source.fingerprint() == before)

        // When: each commit, several in a row without checkpoint in between
        var seen: Set<SourceFingerprint> = [before]
        for index in 2...5 {
            try writer.write { db in
                try db.execute(sql: "INSERT INTO users VALUES (?, 'x')", arguments: ["u\(index)"])
            }
            // Then
            let now = try source.fingerprint()
            #expect(!seen.contains(now))
            seen.insert(now)
        }
        // Same-size rewrite within the log: an UPDATE of one page.
        let beforeUpdate = try source.fingerprint()
        try writer.write { db in try db.execute(sql: "UPDATE users SET name = 'y' WHERE id = 'u2'") }
        #expect(try source.fingerprint() != beforeUpdate)
        #expect(try readAll(source).count == 5)
        try writer.close()
    }

    @Test("table and query are exclusive, and one is required")
    func options() throws {
        let both = SourceOptions(kind: "sqlite", path: "/tmp/x.sqlite", table: "users", query: "SELECT 1")
        #expect(sourceError { _ = try SourceRegistry.make(both) }?.code == "invalid_options")
        let neither = SourceOptions(kind: "sqlite", path: "/tmp/x.sqlite")
        #expect(sourceError { _ = try SourceRegistry.make(neither) }?.code == "invalid_options")
    }
}
