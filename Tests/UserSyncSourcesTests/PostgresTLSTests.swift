import Foundation
import PostgresTestSupport
import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

/// TLS and password login against the real server: scripts/pg-cluster.sh gives it a
/// certificate for `localhost` and 127.0.0.1 from a throwaway CA, and a role that needs a
/// password over TCP.
@Suite("PostgreSQL source: TLS and passwords", .enabled(if: PostgresTestServer.shouldRun, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresTLSTests {
    /// One row saying whether this session is encrypted, read through the source itself.
    static let sessionQuery = "SELECT 'session' AS id, ssl AS encrypted FROM pg_stat_ssl WHERE pid = pg_backend_pid()"

    func source(
        _ db: TestDatabase, host: String? = nil, user: String? = nil, password: String? = nil,
        sslMode: PostgresSourceOptions.SSLMode?, rootCertificate: String? = nil
    ) throws -> PostgresSource {
        guard case .success(let url) = PostgresURL.parse(try db.url(user: user, host: host)) else {
            throw TestServerError("bad url")
        }
        let options = PostgresSourceOptions(
            url: url, password: password, sslMode: sslMode, sslRootCertificate: rootCertificate, connectTimeout: 10)
        return try PostgresSource(query: Self.sessionQuery, options: options)
    }

    /// Whether the source's session was encrypted, as the server saw it.
    func encrypted(_ source: PostgresSource) throws -> JSONValue? {
        let rows = try readAll(source).compactMap(\.row)
        #expect(rows.count == 1)
        return rows.first?.columns["encrypted"]
    }

    /// The error a read of `source` fails with, as the operator reads it.
    func refusal(_ source: PostgresSource) throws -> String {
        try #require(throws: SourceError.self) { try readAll(source) }.description
    }

    @Test("sslmode require encrypts the session; disable does not")
    func requireAndDisable() async throws {
        try await withTestDatabase { db in
            let required = try source(db, sslMode: .require)
            let disabled = try source(db, sslMode: .disable)
            #expect(try encrypted(required) == .bool(true))
            #expect(try encrypted(disabled) == .bool(false))
        }
    }

    @Test("verify-full with the CA in ssl_root_cert connects to localhost, encrypted")
    func verifyFull() async throws {
        try await withTestDatabase { db in
            let ca = try PostgresTestServer.required(PostgresTestServer.certificateAuthority, "CA")
            let verified = try source(db, host: "localhost", sslMode: .verifyFull, rootCertificate: ca)
            #expect(try encrypted(verified) == .bool(true))
            // 127.0.0.1 is in the certificate too (as an IP address).
            let byAddress = try source(db, host: "127.0.0.1", sslMode: .verifyFull, rootCertificate: ca)
            #expect(try encrypted(byAddress) == .bool(true))
        }
    }

    @Test("verify-full refuses a certificate from a CA it does not trust, and says so")
    func untrustedCertificate() async throws {
        try await withTestDatabase { db in
            let other = try PostgresTestServer.required(PostgresTestServer.otherCertificateAuthority, "OTHER_CA")
            for roots in [other, nil] {
                let text = try refusal(source(db, host: "localhost", sslMode: .verifyFull, rootCertificate: roots))
                #expect(text.contains("localhost"), "\(text)")
                #expect(text.contains("certificate"), "\(text)")
                #expect(text.contains("not trusted"), "\(text)")
                #expect(text.contains("source.ssl_root_cert"), "\(text)")
            }
        }
    }

    @Test("verify-full refuses a certificate that does not name the host, and says so")
    func wrongHost() async throws {
        try await withTestDatabase { db in
            let ca = try PostgresTestServer.required(PostgresTestServer.certificateAuthority, "CA")
            // The server listens on 127.0.0.2 too, but its certificate names only localhost and 127.0.0.1.
            let text = try refusal(source(db, host: "127.0.0.2", sslMode: .verifyFull, rootCertificate: ca))
            #expect(text.contains("127.0.0.2"), "\(text)")
            #expect(text.contains("does not name the host"), "\(text)")
        }
    }

    @Test("a role with a password logs in with it; a wrong one fails clearly, never showing it")
    func password() async throws {
        try await withTestDatabase { db in
            let user = try PostgresTestServer.required(PostgresTestServer.passwordUser, "PASSWORD_USER")
            let password = try PostgresTestServer.required(PostgresTestServer.password, "PASSWORD")
            let ca = try PostgresTestServer.required(PostgresTestServer.certificateAuthority, "CA")
            let right = try source(
                db, host: "localhost", user: user, password: password, sslMode: .verifyFull, rootCertificate: ca)
            #expect(try encrypted(right) == .bool(true))

            let wrongPassword = "wrong-\(password)-x"
            let text = try refusal(source(db, user: user, password: wrongPassword, sslMode: .require))
            #expect(text.contains("password authentication failed"), "\(text)")
            #expect(text.contains("source.url's user and the password"), "\(text)")
            #expect(!text.contains(wrongPassword) && !text.contains(password))

            let missing = try refusal(source(db, user: user, sslMode: .require))
            #expect(missing.contains("password"), "\(missing)")
        }
    }

    @Test("require is the default for a host that is not loopback, disable for loopback")
    func defaultMode() {
        func mode(_ host: String) -> PostgresSourceOptions.SSLMode {
            PostgresSourceOptions(url: PostgresURL(user: "app", host: host, database: "app")).effectiveSSLMode
        }
        #expect(mode("db.internal") == .require)
        #expect(mode("10.0.0.7") == .require)
        #expect(mode("localhost") == .disable)
        #expect(mode("127.0.0.1") == .disable)
        #expect(mode("::1") == .disable)
        let explicit = PostgresSourceOptions(url: PostgresURL(user: "app", host: "db.internal", database: "app"), sslMode: .verifyFull)
        #expect(explicit.effectiveSSLMode == .verifyFull)
    }
}
