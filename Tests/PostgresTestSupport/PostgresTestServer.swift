import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PostgresNIO

/// The throwaway PostgreSQL server `scripts/test.sh` starts (scripts/pg-cluster.sh), as the
/// tests see it: `USERSYNC_TEST_POSTGRES_URL` (a superuser on loopback, trust auth),
/// `USERSYNC_TEST_POSTGRES_DIR` and `USERSYNC_TEST_POSTGRES_CTL` (to restart it).
///
/// Tests that need it carry `.enabled(if: PostgresTestServer.shouldRun, …)`: they run when
/// the server is there, and also under CI=true without it (and then fail, never skip).
public enum PostgresTestServer {
    static let environment = ProcessInfo.processInfo.environment

    public static var url: String? { environment["USERSYNC_TEST_POSTGRES_URL"] }
    /// The CA that signed the server's certificate (for `localhost` and 127.0.0.1).
    public static var certificateAuthority: String? { environment["USERSYNC_TEST_POSTGRES_CA"] }
    /// A CA that signed nothing the server has.
    public static var otherCertificateAuthority: String? { environment["USERSYNC_TEST_POSTGRES_OTHER_CA"] }
    /// A role that logs in with a password (scram-sha-256) over TCP, and its password.
    public static var passwordUser: String? { environment["USERSYNC_TEST_POSTGRES_PASSWORD_USER"] }
    public static var password: String? { environment["USERSYNC_TEST_POSTGRES_PASSWORD"] }

    /// `value`, or an error saying how to run the tests with the server.
    public static func required(_ value: String?, _ name: String) throws -> String {
        guard let value else {
            throw TestServerError("USERSYNC_TEST_POSTGRES_\(name) is not set: run the tests with scripts/test.sh")
        }
        return value
    }
    public static var isCI: Bool { environment["CI"] == "true" }
    public static var shouldRun: Bool { url != nil || isCI }
    public static let skipReason =
        "needs the PostgreSQL test server: run scripts/test.sh (skipped on a developer machine without it)"

    struct Address {
        let user: String
        let host: String
        let port: Int
    }

    static func address() throws -> Address {
        guard let url, let components = URLComponents(string: url), let host = components.host, let user = components.user else {
            throw TestServerError("no PostgreSQL test server (USERSYNC_TEST_POSTGRES_URL is not set): run the tests with scripts/test.sh")
        }
        return Address(user: user, host: host, port: components.port ?? 5432)
    }

    static let logger = Logger(label: "tests.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A connection to `database` as the superuser.
    public static func connect(database: String = "postgres") async throws -> PostgresConnection {
        let address = try address()
        let configuration = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user, password: nil, database: database, tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...1_000_000), logger: logger)
    }

    /// Stops the server at once and starts it again (`pg-cluster.sh restart`).
    public static func restart() throws {
        try control("restart")
    }

    /// Stops the server at once (`pg-cluster.sh stop`); `start()` brings it back.
    public static func stop() throws { try control("stop") }

    public static func start() throws { try control("restart") }

    private static func control(_ command: String) throws {
        guard let script = environment["USERSYNC_TEST_POSTGRES_CTL"], let dir = environment["USERSYNC_TEST_POSTGRES_DIR"] else {
            throw TestServerError("USERSYNC_TEST_POSTGRES_CTL / _DIR are not set: run the tests with scripts/test.sh")
        }
        // posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit was
        // seen to hang here after the child had exited.
        let arguments = ["/bin/bash", script, command, dir]
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &cArguments, environ)
        guard spawned == 0 else { throw TestServerError("cannot start pg-cluster.sh: error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw TestServerError("pg-cluster.sh \(command) failed (status \(status))") }
    }
}

public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A database of its own for one test, created on the test server and dropped by `drop()`.
public final class TestDatabase: Sendable {
    public let name: String
    public let connection: PostgresConnection

    private init(name: String, connection: PostgresConnection) {
        self.name = name
        self.connection = connection
    }

    public static func create() async throws -> TestDatabase {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let admin = try await PostgresTestServer.connect()
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: PostgresTestServer.logger).drain()
        try await admin.close()
        let connection = try await PostgresTestServer.connect(database: String(name))
        return TestDatabase(name: String(name), connection: connection)
    }

    /// The URL a usersync config uses for this database (as `user`, default the superuser;
    /// at `host`, default the server's address).
    public func url(user: String? = nil, host: String? = nil) throws -> String {
        let address = try PostgresTestServer.address()
        return "postgres://\(user ?? address.user)@\(host ?? address.host):\(address.port)/\(name)"
    }

    /// Runs statements (separated by `;` outside quotes is the caller's care: one per call is safest).
    public func execute(_ sql: String) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresTestServer.logger).drain()
    }

    /// Runs a script of several statements (as psql would): split on `;` outside quotes,
    /// `$$` bodies and `--` comments.
    public func executeScript(_ script: String) async throws {
        for statement in Self.statements(script) { try await execute(statement) }
    }

    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inDollar = false, inQuote = false, inComment = false
        let characters = Array(script)
        var index = 0
        while index < characters.count {
            let c = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            if inComment {
                if c == "\n" { inComment = false; current.append(c) }
            } else if inDollar {
                current.append(c)
                if c == "$" && next == "$" { current.append("$"); index += 1; inDollar = false }
            } else if inQuote {
                current.append(c)
                if c == "'" { inQuote = false }
            } else if c == "-" && next == "-" {
                inComment = true
            } else if c == "$" && next == "$" {
                current += "$$"; index += 1; inDollar = true
            } else if c == "'" {
                current.append(c); inQuote = true
            } else if c == ";" {
                if !current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { statements.append(current) }
                current = ""
            } else {
                current.append(c)
            }
            index += 1
        }
        if !current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { statements.append(current) }
        return statements
    }

    /// The rows of `sql`, each column as text (NULL as nil).
    public func rows(_ sql: String) async throws -> [[String: String?]] {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresTestServer.logger)
        var result: [[String: String?]] = []
        for try await row in rows {
            var values: [String: String?] = [:]
            for cell in row {
                values[cell.columnName] = try cell.decode(String?.self)
            }
            result.append(values)
        }
        return result
    }

    /// A fresh connection of its own (to hold locks while usersync works).
    public func newConnection() async throws -> PostgresConnection {
        try await PostgresTestServer.connect(database: name)
    }

    public func drop() async {
        try? await connection.close()
        guard let admin = try? await PostgresTestServer.connect() else { return }
        try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: PostgresTestServer.logger).drain()
        try? await admin.close()
    }
}

extension PostgresRowSequence {
    func drain() async throws {
        for try await _ in self {}
    }
}

/// Runs `body` with a fresh database, dropped afterwards (also when `body` throws).
public func withTestDatabase<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
    let database = try await TestDatabase.create()
    do {
        let result = try await body(database)
        await database.drop()
        return result
    } catch {
        await database.drop()
        throw error
    }
}
