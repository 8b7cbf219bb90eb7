import Foundation
import Testing
@testable import UserSyncConfig

@Suite("Config: postgres source")
struct PostgresConfigTests {
    typealias Fixture = ConfigFixture

    static func yaml(_ source: String) -> String {
        Fixture.valid(replacing: """
              kind: jsonl
              path: /srv/app/users.jsonl
            """, with: source)
    }

    @Test("a postgres source with every key parses, and renders with the password redacted")
    func full() throws {
        // Given
        let yaml = Self.yaml("""
              kind: postgres
              url: postgres://usersync@db.internal:5433/app
              password_env: PGPASS
              sslmode: verify-full
              table: public.users
              statement_timeout: 30s
              lock_timeout: 500ms
              change_column: updated_at
              change_overlap: 10s
              full_scan_interval: 30m
              notify_channel: users_changed
            """)
        // When
        let config = try Fixture.parse(yaml, environment: ["PGPASS": "pg-pa55-VALUE"])
        // Then
        let postgres = try #require(config.source.postgres)
        #expect(config.source.kind == "postgres")
        #expect(postgres.url == "postgres://usersync@db.internal:5433/app")
        #expect(postgres.password?.revealed == "pg-pa55-VALUE")
        #expect(postgres.sslMode == .verifyFull)
        #expect(config.source.table == "public.users")
        #expect(postgres.statementTimeout == .seconds(30))
        #expect(postgres.lockTimeout == .milliseconds(500))
        #expect(postgres.changeColumn == "updated_at")
        #expect(postgres.changeOverlap == .seconds(10))
        #expect(postgres.fullScanInterval == .seconds(1800))
        #expect(postgres.notifyChannel == "users_changed")
        let rendered = config.renderEffective()
        #expect(!rendered.contains("pg-pa55-VALUE"))
        #expect(rendered.contains("password: <redacted>  # from environment variable PGPASS"))
        #expect(!String(describing: config).contains("pg-pa55-VALUE"))
        // And the rendering reads back
        let reread = try Fixture.parse(rendered)
        #expect(reread.source.postgres?.url == postgres.url)
        #expect(reread.source.postgres?.changeColumn == "updated_at")
    }

    @Test("defaults: no password, sslmode unset, 10m statement timeout, 1h full scan")
    func defaults() throws {
        let config = try Fixture.parse(Self.yaml("""
              kind: postgres
              url: postgres://app@127.0.0.1/app
              query: SELECT id, name, email FROM users
            """))
        let postgres = try #require(config.source.postgres)
        #expect(postgres.password == nil)
        #expect(postgres.sslMode == nil)
        #expect(postgres.statementTimeout == .seconds(600))
        #expect(postgres.fullScanInterval == .seconds(3600))
        #expect(postgres.url == "postgres://app@127.0.0.1:5432/app")
    }

    @Test("mistakes are reported by key: a password in the URL, no table, a path, postgres keys on a file")
    func mistakes() {
        var error = Fixture.error(Self.yaml("""
              kind: postgres
              url: postgres://app:hunter2@db/app
              path: /srv/x
            """))
        var text = error.description
        #expect(text.contains("source.url"))
        #expect(!text.contains("hunter2"))
        #expect(text.contains("source.path"))
        #expect(text.contains("source.table"))

        error = Fixture.error(Self.yaml("""
              kind: jsonl
              path: /srv/app/users.jsonl
              change_column: updated_at
            """))
        text = error.description
        #expect(text.contains("source.change_column"))
        #expect(text.contains("applies only to postgres"))

        error = Fixture.error(Self.yaml("""
              kind: postgres
              url: postgres://app@db/app
              table: users
              sslmode: prefer
            """))
        #expect(error.description.contains("source.sslmode"))
    }

    @Test("ssl_root_cert names a PEM file for verify-full: parsed as an absolute path and rendered")
    func rootCertificate() throws {
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(dir) }
        let file = dir + "/ca.crt"
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(toFile: file, atomically: true, encoding: .utf8)
        let config = try Fixture.parse(Self.yaml("""
              kind: postgres
              url: postgres://app@db.internal/app
              table: users
              sslmode: verify-full
              ssl_root_cert: \(file)
            """))
        #expect(config.source.postgres?.sslRootCert == file)
        let rendered = config.renderEffective()
        #expect(rendered.contains("ssl_root_cert: \(YAMLWriter.quoted(file))"), "\(rendered)")
        #expect(try Fixture.parse(rendered).source.postgres?.sslRootCert == file)
    }

    @Test("ssl_root_cert mistakes are reported by key and line: not verify-full, missing file, not PEM")
    func rootCertificateMistakes() throws {
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(dir) }
        let notPEM = dir + "/notes.txt"
        try "just text\n".write(toFile: notPEM, atomically: true, encoding: .utf8)
        let cases: [(mode: String, file: String, message: String)] = [
            ("require", notPEM, "used only with sslmode: verify-full"),
            ("verify-full", dir + "/absent.crt", "cannot read \(dir)/absent.crt"),
            ("verify-full", notPEM, "holds no PEM certificate"),
        ]
        for (mode, file, message) in cases {
            let yaml = Self.yaml("""
                  kind: postgres
                  url: postgres://app@db.internal/app
                  table: users
                  sslmode: \(mode)
                  ssl_root_cert: \(file)
                """)
            let issue = try #require(Fixture.error(yaml).issues.first { $0.key == "source.ssl_root_cert" })
            #expect(issue.message.contains(message), "\(issue)")
            #expect(issue.line == Fixture.line(of: "ssl_root_cert:", in: yaml))
        }
    }
}
