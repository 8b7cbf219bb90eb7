import Foundation
import PostgresTestSupport
import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

/// The postgres source against a real server (scripts/test.sh starts one).
@Suite("PostgreSQL source", .enabled(if: PostgresTestServer.shouldRun, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresSourceTests {
    static let mapping = FieldMapping(externalID: "id", name: "name", email: "email", metadata: "metadata")

    func options(_ db: TestDatabase, changeColumn: String? = nil) throws -> PostgresSourceOptions {
        guard case .success(let url) = PostgresURL.parse(try db.url()) else { throw TestServerError("bad url") }
        return PostgresSourceOptions(url: url, changeColumn: changeColumn, changeOverlap: 0)
    }

    func makeUsers(_ db: TestDatabase) async throws {
        try await db.execute("""
            CREATE TABLE users (id text, name text, email text, metadata jsonb, meta_text text, age int,
                score numeric, active boolean, updated_at timestamptz NOT NULL DEFAULT now())
            """)
        try await db.execute("""
            INSERT INTO users (id, name, email, metadata, meta_text, age, score, active) VALUES
              ('u1', 'Zoë', 'zoe@example.com', '{"plan": "pro", "n": 1}', '{"plan": "pro"}', 36, 1.50, true),
              ('u2', 'Grace', 'grace@example.com', NULL, '', NULL, NULL, false),
              ('u3', 'Linus', 'linus@example.com', '[1, 2]', 'not json', -7, 100, NULL),
              (NULL, 'Nobody', 'nobody@example.com', '{}', '{}', 0, 0, NULL),
              ('u5', 'Text', 'text@example.com', '"a string"', '[1]', 1, 1, true)
            """)
    }

    @Test("a table is read with every column, JSON kept as JSON and numbers as their literals")
    func table() async throws {
        try await withTestDatabase { db in
            // Given
            try await makeUsers(db)
            let source = try PostgresSource(table: "users", options: options(db))
            // When
            let items = try readAll(source)
            // Then
            #expect(items.count == 5)
            let u1 = try #require(items.compactMap(\.row).first { $0.columns["id"] == "u1" })
            #expect(u1.columns["name"] == "Zoë")
            #expect(u1.columns["metadata"] == .object(["plan": "pro", "n": .number("1")]))
            #expect(u1.columns["meta_text"] == "{\"plan\": \"pro\"}")
            #expect(u1.columns["age"] == .number("36"))
            #expect(u1.columns["score"] == .number("1.50"))
            #expect(u1.columns["active"] == .bool(true))
            #expect(items.map(\.location.number).sorted() == [1, 2, 3, 4, 5])
        }
    }

    @Test("every column type reads as row_to_json renders it (timestamptz in UTC)")
    func typesAsRowToJSON() async throws {
        try await withTestDatabase { db in
            // Given one row per edge case, over the types decoded client-side and some that are not
            try await db.execute("""
                CREATE TABLE kinds (id int8, t text, v varchar(10), c char(3), n name, i2 int2, i4 int4,
                    num numeric, f8 float8, b bool, j json, jb jsonb, d date, ts timestamp, tz timestamptz,
                    u uuid, arr text[], iv interval)
                """)
            try await db.execute("""
                INSERT INTO kinds VALUES
                  (1, 'Zoë "q" \\ 🐉', 'v', 'ab', 'nm', -32768, 2147483647, 1.50, 0.1, true, '{"a": [1, 2.0]}',
                   '{"b": {"c": null}}', '2026-12-06', '2026-12-06 08:31:25.5', '2026-12-06 08:31:25.123456+02',
                   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{x,"y z"}', '1 day 2 hours'),
                  (-9223372036854775808, '', '', '', '', 0, -1, 'NaN', 'Infinity', false, '[]', '"s"',
                   '1999-12-31', '1999-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', NULL, '{}', '0'),
                  (9223372036854775807, NULL, NULL, NULL, NULL, NULL, NULL, -0.000001, -2.5e-300, NULL, 'null',
                   '123', 'infinity', '-infinity', 'infinity', NULL, NULL, NULL),
                  (4, 't', 'v', 'c', 'n', 1, 1, 1e30, 1, true, '1', '1', '0044-03-15 BC', '0001-01-01 00:00:00',
                   '10000-01-01 00:00:01+00', NULL, NULL, NULL),
                  (5, 't', 'v', 'c', 'n', 1, 1, 1, 1, true, '1', '1', '1600-02-29', '2000-01-01 00:00:00.000001',
                   '1900-03-01 12:00:00.1+00', NULL, NULL, NULL)
                """)
            let source = try PostgresSource(table: "kinds", options: options(db))
            // When
            let read = try readAll(source).compactMap(\.row)
            // Then each row equals the server's row_to_json of it, rendered in UTC
            try await db.execute("SET TimeZone = 'UTC'")
            let expected = try await db.rows("SELECT id::text AS id, row_to_json(k)::text AS json FROM kinds k")
            #expect(read.count == expected.count)
            for row in expected {
                let id = try #require(row["id"] ?? nil)
                let json = try JSONParser.parse(try #require(row["json"] ?? nil))
                let mine = try #require(read.first { $0.columns["id"] == .number(id) }, "row \(id)")
                #expect(JSONValue.object(mine.columns) == json, "row \(id)")
            }
        }
    }

    @Test("a read-only query is read, and its columns are what it names")
    func query() async throws {
        try await withTestDatabase { db in
            try await makeUsers(db)
            let source = try PostgresSource(
                query: "SELECT id AS user_id, name || '!' AS name FROM users WHERE id IS NOT NULL ORDER BY id;",
                options: options(db))
            let rows = try readAll(source).compactMap(\.row)
            #expect(rows.map { $0.columns["user_id"] } == ["u1", "u2", "u3", "u5"])
            #expect(rows.first?.columns == ["user_id": "u1", "name": "Zoë!"])
        }
    }


    /// A table source as the engine builds it: told the columns its mapping reads.
    func mappedSource(
        _ db: TestDatabase, _ columns: [String], table: String = "users", options: PostgresSourceOptions? = nil, changeColumn: String? = nil
    ) throws -> any UserSource {
        var sourceOptions = SourceOptions(
            kind: "postgres", path: try db.url(), table: table, postgres: try options ?? self.options(db, changeColumn: changeColumn))
        sourceOptions.columns = columns
        return try SourceRegistry.make(sourceOptions)
    }

    @Test("given the mapped columns, only those are asked of the server and reach the rows")
    func onlyMappedColumns() async throws {
        try await withTestDatabase { db in
            // Given a table with columns nobody maps
            try await makeUsers(db)
            let source = try mappedSource(db, ["id", "name", "metadata"])
            // When
            let rows = try readAll(source).compactMap(\.row)
            // Then every row holds the mapped columns only, in full
            #expect(rows.count == 5)
            for row in rows { #expect(Set(row.columns.keys) == ["id", "name", "metadata"]) }
            let u1 = try #require(rows.first { $0.columns["id"] == "u1" })
            #expect(u1.columns == ["id": "u1", "name": "Zoë", "metadata": .object(["plan": "pro", "n": .number("1")])])
        }
    }

    @Test("a mapped column dropped from the table stops the read with its name, rather than clearing it for everyone")
    func droppedMappedColumn() async throws {
        try await withTestDatabase { db in
            // Given a mapping that reads phone, which the table does not have (any more)
            try await makeUsers(db)
            let source = try mappedSource(db, ["id", "name", "phone"])
            // When / Then
            let error = try #require(throws: SourceError.self) { try readAll(source) }
            #expect(error.code == "missing_column")
            #expect(error.description.contains("\"phone\""), "\(error.description)")
            #expect(error.description.contains("metadata"), "the columns there are: \(error.description)")
        }
    }

    @Test("a role granted SELECT on the mapped columns alone reads the table; the columns it may not read are never asked for")
    func columnLevelGrant() async throws {
        try await withTestDatabase { db in
            // Given a table with a secret column, and a role that may read the mapped columns and the change column only
            try await makeUsers(db)
            try await db.execute("ALTER TABLE users ADD COLUMN password_hash text DEFAULT 'secret'")
            let role = "usersync_columns_\(UInt32.random(in: 0...UInt32.max))"
            try await db.execute("CREATE ROLE \(role) LOGIN PASSWORD 'column-pass'")
            try await db.execute("GRANT SELECT (id, name, email, metadata, updated_at) ON users TO \(role)")
            guard case .success(let url) = PostgresURL.parse(try db.url(user: role)) else { throw TestServerError("bad url") }
            let limited = PostgresSourceOptions(url: url, password: "column-pass", changeColumn: "updated_at", changeOverlap: 0)
            // The grant is real: every column is refused
            let everything = try PostgresSource(table: "users", options: limited)
            #expect(throws: SourceError.self) { try readAll(everything) }
            // When the source reads what the mapping names, in full and then since a watermark
            let source = try #require(try mappedSource(db, ["id", "name", "email", "metadata"], options: limited) as? PostgresSource)
            var rows: [SourceRow] = []
            let watermark = try source.read(since: nil) { if case .row(let row) = $0 { rows.append(row) } }
            // Then it is read, and the change column is usable too
            #expect(rows.count == 5)
            #expect(watermark != nil)
            var later = 0
            _ = try source.read(since: watermark) { _ in later += 1 }
            #expect(later <= 5)
            // And the check of the mapped columns passes with the same role
            try source.checkColumns(["id", "name", "email", "metadata"])
            // (roles are the cluster's, not the database's)
            try await db.execute("DROP OWNED BY \(role)")
            try await db.execute("DROP ROLE \(role)")
        }
    }

    @Test("a table whose name needs quoting (mixed case) is read and written back as itself, never as its lower-case namesake")
    func mixedCaseTable() async throws {
        try await withTestDatabase { db in
            // Given "Users" and, beside it, a users table with other columns
            try await db.execute(#"CREATE TABLE "Users" (id text PRIMARY KEY, name text, email text, metadata jsonb)"#)
            try await db.execute(#"INSERT INTO "Users" VALUES ('u1', 'Ada', 'ada@example.com', '{"plan": "free"}')"#)
            try await db.execute("CREATE TABLE users (id text PRIMARY KEY, label text)")
            try await db.execute("INSERT INTO users VALUES ('u1', 'decoy')")
            let source = try mappedSource(db, ["id", "name", "email", "metadata"], table: "Users")
            // When read
            let rows = try readAll(source).compactMap(\.row)
            // Then the rows are those of "Users"
            #expect(rows.map { $0.columns["name"] } == ["Ada"])
            // When a pulled change is written back
            let writeBack = try PostgresTableWriteBack(table: "Users", mapping: Self.mapping, options: options(db))
            let result = try writeBack.apply([fieldChange("u1", "name", to: "Ada Lovelace"), fieldChange("u1", "metadata.plan", to: "pro")])
            // Then it lands in "Users", the namesake untouched
            #expect(result.applied == 2, "\(result)")
            let written = try await db.rows(#"SELECT name, metadata->>'plan' AS plan FROM "Users""#)
            #expect(written.first?["name"] == "Ada Lovelace")
            #expect(written.first?["plan"] == "pro")
            #expect(try await db.rows("SELECT label FROM users").first?["label"] == "decoy")
        }
    }

    @Test("JSONB and text metadata both map to an object; bad rows are rejected with a reason")
    func metadataAndBadRows() async throws {
        try await withTestDatabase { db in
            try await makeUsers(db)
            for column in ["metadata", "meta_text"] {
                var mapping = Self.mapping
                mapping.metadata = column
                let mapper = RecordMapper(mapping: mapping)
                let source = try PostgresSource(table: "users", options: options(db))
                var accepted: [String: [String: JSONValue]] = [:]
                var rejected: [String?: RejectionReason] = [:]
                for row in try readAll(source).compactMap(\.row) {
                    switch mapper.record(from: row) {
                    case .success(let record): accepted[record.externalID] = record.metadata
                    case .failure(let rejection): rejected[rejection.externalID] = rejection.reason
                    }
                }
                #expect(accepted["u1"] == ["plan": "pro"].merging(column == "metadata" ? ["n": .number("1")] : [:]) { a, _ in a })
                #expect(accepted["u2"] == [:])
                #expect(rejected[nil] == .missingExternalID, "NULL id")
                #expect(rejected["u3"]?.code == "metadata_not_object", "\(column): array or not JSON")
                #expect(rejected["u5"]?.code == "metadata_not_object", "\(column): a JSON string or an array")
            }
        }
    }

    @Test("a mapped column the table lacks is named by checkColumns")
    func missingColumn() async throws {
        try await withTestDatabase { db in
            try await makeUsers(db)
            let source = try PostgresSource(table: "users", options: options(db))
            try source.checkColumns(["id", "name", "email", "metadata"])
            let error = try #require(throws: SourceError.self) { try source.checkColumns(["id", "full_name"]) }
            #expect(error.code == "missing_column")
            #expect(error.description.contains("\"full_name\""))
            let missingTable = try PostgresSource(table: "nope", options: options(db))
            #expect(throws: SourceError.self) { try missingTable.checkColumns(["id"]) }
        }
    }

    @Test("with a change column, read(since:) returns only the rows changed since the watermark")
    func incremental() async throws {
        try await withTestDatabase { db in
            try await makeUsers(db)
            try await db.execute("UPDATE users SET updated_at = '2026-01-01T00:00:00Z'")
            let source = try PostgresSource(table: "users", options: options(db, changeColumn: "updated_at"))
            var count = 0
            let full = try source.read(since: nil) { _ in count += 1 }
            #expect(count == 5)
            let watermark = try #require(full)
            try await db.execute("UPDATE users SET name = 'Grace H', updated_at = '2026-01-02T00:00:00Z' WHERE id = 'u2'")
            var ids: [JSONValue?] = []
            let next = try source.read(since: watermark) { ids.append($0.row?.columns["id"]) }
            #expect(ids == ["u2"], "the overlap is 0: only the row changed since the watermark comes back")
            #expect(next != watermark)
            // Nothing changed since: nothing is read.
            var again = 0
            let same = try source.read(since: next) { _ in again += 1 }
            #expect(again == 0)
            #expect(same == next)
        }
    }

    @Test("a change column that is neither a timestamp nor a number is refused")
    func changeColumnType() async throws {
        try await withTestDatabase { db in
            try await makeUsers(db)
            let source = try PostgresSource(table: "users", options: options(db, changeColumn: "name"))
            #expect(throws: SourceError.self) { try source.read(since: nil) { _ in } }
        }
    }

    @Test("an unreachable server is a source error naming it, not a crash")
    func unreachable() throws {
        let url = PostgresURL(user: "nobody", host: "127.0.0.1", port: 1, database: "none")
        let source = try PostgresSource(table: "users", options: PostgresSourceOptions(url: url, connectTimeout: 2))
        let error = try #require(throws: SourceError.self) { try readAll(source) }
        #expect(error.description.contains("postgres://nobody@127.0.0.1:1/none"))
    }
}
