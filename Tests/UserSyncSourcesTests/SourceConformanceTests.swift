import Foundation
import GRDB
import PostgresTestSupport
import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

/// The kit's `SourceConformance` checks for every built-in kind: the same three users, written
/// in each kind's format, read back as the same rows and mapped to the same records. (PostgreSQL, which
/// needs the test server, runs the same checks in `PostgresSourceConformanceTests`.)
@Suite("Source conformance")
struct SourceConformanceTests {
    static let users = SourceConformance.users

    /// Writes `users` in the format of `kind` and returns the options to read them.
    static func write(_ users: [UserRecord], kind: String, in dir: TemporaryDirectory) throws -> SourceOptions {
        let object = SourceConformance.columns
        switch kind {
        case "jsonl":
            let text = users.map { object($0).canonicalText + "\n" }.joined()
            return SourceOptions(kind: kind, path: try dir.write("users.jsonl", text))
        case "json":
            let text = "[\n" + users.map { "  " + object($0).canonicalText }.joined(separator: ",\n") + "\n]\n"
            return SourceOptions(kind: kind, path: try dir.write("users.json", text))
        case "csv":
            func field(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            var text = "id,name,email,metadata\r\n"
            for user in users {
                let metadata = JSONValue.object(user.metadata).canonicalText
                text += [user.externalID, user.name!, user.email!, metadata].map(field).joined(separator: ",") + "\r\n"
            }
            return SourceOptions(kind: kind, path: try dir.write("users.csv", text))
        case "sqlite":
            let path = dir.path("users.sqlite")
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT, email TEXT, metadata TEXT)")
                for user in users {
                    try db.execute(
                        sql: "INSERT INTO people VALUES (?, ?, ?, ?)",
                        arguments: [user.externalID, user.name, user.email, JSONValue.object(user.metadata).canonicalText])
                }
            }
            try queue.close()
            return SourceOptions(kind: kind, path: path, table: "people")
        default:
            struct UnknownKind: Error {}
            throw UnknownKind()
        }
    }

    static let unit: [String: SourceLocation.Unit] = ["jsonl": .line, "json": .element, "csv": .row, "sqlite": .row]

    @Test("every kind reads the same three users", arguments: ["jsonl", "json", "csv", "sqlite"])
    func sameRows(kind: String) throws {
        // Given
        let dir = try TemporaryDirectory()
        let options = try Self.write(Self.users, kind: kind, in: dir)
        let source = try SourceRegistry.make(options)
        // When, Then
        try SourceConformance.expectSameRows(source, unit: Self.unit[kind]!)
    }

    @Test("every kind: equal fingerprints while unchanged, read twice gives the same rows",
          arguments: ["jsonl", "json", "csv", "sqlite"])
    func stable(kind: String) throws {
        let dir = try TemporaryDirectory()
        let source = try SourceRegistry.make(try Self.write(Self.users, kind: kind, in: dir))
        let fingerprint = try source.fingerprint()
        try SourceConformance.expectSameRowsTwice(source)
        #expect(try source.fingerprint() == fingerprint)
    }

    @Test("every kind: a change of one user changes the fingerprint", arguments: ["jsonl", "json", "csv", "sqlite"])
    func changeIsSeen(kind: String) throws {
        let dir = try TemporaryDirectory()
        let options = try Self.write(Self.users, kind: kind, in: dir)
        let source = try SourceRegistry.make(options)
        let before = try source.fingerprint()
        var changed = Self.users
        changed[1].email = "bruce@example.hk"
        if kind == "sqlite" { try FileManager.default.removeItem(atPath: options.path) }
        _ = try Self.write(changed, kind: kind, in: dir)
        #expect(try source.fingerprint() != before)
    }

    @Test("every kind: a missing source is a SourceError naming the path", arguments: ["jsonl", "json", "csv", "sqlite"])
    func missingSource(kind: String) throws {
        let dir = try TemporaryDirectory()
        let options = SourceOptions(
            kind: kind, path: dir.path("absent"), table: kind == "sqlite" ? "users" : nil)
        let source = try SourceRegistry.make(options)
        let readError = sourceError { _ = try readAll(source) }
        #expect(readError?.description == "cannot open source \(options.path): No such file or directory")
        let fingerprintError = sourceError { _ = try source.fingerprint() }
        #expect(fingerprintError?.code == "cannot_open")
    }
}

/// The conformance checks on a PostgreSQL table (a real server: scripts/test.sh starts one).
/// A database has no cheap content identity, so its fingerprint differs on every call (every
/// cycle reads it); the checks on fingerprints become checks on what is read.
@Suite("Source conformance: PostgreSQL", .enabled(if: PostgresTestServer.shouldRun, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresSourceConformanceTests {

    /// The users in a table `people` of `db` (metadata as jsonb), and the source reading it.
    static func write(_ users: [UserRecord], in db: TestDatabase) async throws -> any UserSource {
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        try await db.execute("CREATE TABLE people (id text PRIMARY KEY, name text, email text, metadata jsonb)")
        for user in users {
            let values = [user.externalID, user.name!, user.email!, JSONValue.object(user.metadata).canonicalText].map(literal)
            try await db.execute("INSERT INTO people VALUES (\(values.joined(separator: ", ")))")
        }
        return try SourceRegistry.make(try options(db, table: "people"))
    }

    static func options(_ db: TestDatabase, table: String) throws -> SourceOptions {
        guard case .success(let url) = PostgresURL.parse(try db.url()) else { throw TestServerError("bad url") }
        return SourceOptions(kind: "postgres", path: url.description, table: table, postgres: PostgresSourceOptions(url: url))
    }

    @Test("postgres reads the same three users")
    func sameRows() async throws {
        try await withTestDatabase { db in
            let source = try await Self.write(SourceConformance.users, in: db)
            try SourceConformance.expectSameRows(source, unit: .row)
        }
    }

    @Test("postgres: read twice gives the same rows; the fingerprint never claims \"unchanged\"")
    func stable() async throws {
        try await withTestDatabase { db in
            let source = try await Self.write(SourceConformance.users, in: db)
            try SourceConformance.expectSameRowsTwice(source)
            #expect(try source.fingerprint() != source.fingerprint())
        }
    }

    @Test("postgres: a change of one user is read")
    func changeIsSeen() async throws {
        try await withTestDatabase { db in
            let source = try await Self.write(SourceConformance.users, in: db)
            try await db.execute("UPDATE people SET email = 'bruce@example.hk' WHERE id = 'u2'")
            // (An updated row moves to the end of the heap: compare without order.)
            let emails = try readAll(source).compactMap { $0.row?.columns["email"]?.stringValue }
            #expect(emails.sorted() == ["bruce@example.hk", "sean@example.ie", "zoe@example.com"])
        }
    }

    @Test("postgres: a missing table is a SourceError naming the server")
    func missingSource() async throws {
        try await withTestDatabase { db in
            let options = try Self.options(db, table: "absent")
            let source = try SourceRegistry.make(options)
            let error = sourceError { _ = try readAll(source) }
            #expect(error?.description.contains(options.path) == true, "\(String(describing: error))")
            #expect(error?.description.contains("\"absent\" does not exist") == true, "\(String(describing: error))")
        }
    }
}
