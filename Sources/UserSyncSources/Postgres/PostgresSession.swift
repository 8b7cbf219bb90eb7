import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Opening connections to the source's server and naming what went wrong, for the reader,
/// the write-back and the listener alike.
enum PostgresSession {
    /// PostgresNIO's own logging is not the operator's: our callers log outcomes.
    static let quietLogger = Logger(label: "usersync.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    static func configuration(_ options: PostgresSourceOptions) throws(SourceError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch options.effectiveSSLMode {
            case .disable:
                tls = .disable
            case .require:
                var settings = TLSConfiguration.makeClientConfiguration()
                settings.certificateVerification = .none
                tls = .require(try NIOSSLContext(configuration: settings))
            case .verifyFull:
                var settings = TLSConfiguration.makeClientConfiguration()
                if let file = options.sslRootCertificate {
                    settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
                }
                tls = .require(try NIOSSLContext(configuration: settings))
            }
        } catch {
            let roots = options.sslRootCertificate.map { " with source.ssl_root_cert \($0)" } ?? ""
            throw SourceError(.database("cannot set up TLS\(roots): \(error)"), path: options.url.description)
        }
        var configuration = PostgresConnection.Configuration(
            host: options.url.host, port: options.url.port, username: options.url.user, password: options.password,
            database: options.url.database, tls: tls)
        configuration.options.connectTimeout = .milliseconds(Int64(options.connectTimeout * 1000))
        // No `tlsServerName`: PostgresNIO sends the host as SNI unless it is an IP address, and
        // verify-full checks the certificate against it (an IP address: against the address
        // connected to, as an IP SAN).
        configuration.options.additionalStartupParameters = [("application_name", "usersync")]
        return configuration
    }

    private static let ids = Mutex<Int>(0)

    /// The event loop of reads and write-backs: the caller's row handler runs on it (the
    /// planner, the state database), so it is a thread of its own, not one that HTTP
    /// requests or the listener share.
    static let sourceLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// - Parameter dedicated: on `sourceLoops` (reads, write-backs); else on the shared
    ///   loops (the listener, which must not wait behind a long read).
    static func connect(_ options: PostgresSourceOptions, dedicated: Bool = true) async throws -> PostgresConnection {
        let configuration = try configuration(options)
        return try await PostgresConnection.connect(
            on: dedicated ? sourceLoops.next() : PostgresConnection.defaultEventLoopGroup.next(),
            configuration: configuration, id: ids.withLock { $0 += 1; return $0 }, logger: quietLogger)
    }

    /// Runs `sql` (no parameters, no rows wanted).
    static func execute(_ connection: PostgresConnection, _ sql: String) async throws {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger)
        for try await _ in rows {}
    }

    /// The columns of `table` (as the config names it), in table order, with their SQL types as
    /// the catalog spells them; empty when the catalog shows no such table. Reading the catalog
    /// needs no privilege on the table itself.
    static func columns(of table: String, _ connection: PostgresConnection) async throws -> [(name: String, type: String)] {
        var bindings = PostgresBindings()
        // Quoted as every statement names it: `to_regclass('Users')` would fold to `users`.
        bindings.append(quotedTable(table))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
            WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, binds: bindings), logger: quietLogger)
        var columns: [(name: String, type: String)] = []
        for try await (name, type) in rows.decode((String, String).self) { columns.append((name, type)) }
        return columns
    }

    /// `name` as an SQL identifier: in double quotes, inner double quotes doubled.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A table name as written in the config (`users` or `schema.users`), quoted part by part.
    static func quotedTable(_ name: String) -> String {
        name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map { quoted(String($0)) }
            .joined(separator: ".")
    }

    /// `text` as an SQL string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The server's SQLSTATE for `error`, when it came from the server.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// What went wrong, in words an operator can act on. PostgresNIO's own descriptions of
    /// `PSQLError` are deliberately generic; the server's message and the code are not secret.
    static func message(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let state = info[.sqlState] {
                text += " [SQLSTATE \(state)]"
                switch state {
                case "57014": text += " (the statement ran longer than source.statement_timeout)"
                case "55P03": text += " (a row lock was held longer than source.lock_timeout)"
                case "28P01", "28000": text += " (check source.url's user and the password)"
                case "57P01", "57P02", "57P03": text += " (the server is shutting down or starting up)"
                default: break
                }
            }
            return text
        }
        if let problem = error.underlying.flatMap(tlsProblem) { return problem }
        switch error.code {
        case .connectionError:
            return "cannot connect" + (error.underlying.map { ": \($0)" } ?? "")
        case .serverClosedConnection:
            return "the server closed the connection" + (error.underlying.map { ": \($0)" } ?? "")
        case .sslUnsupported:
            return "the server does not support TLS (set source.sslmode: disable only on a trusted network)"
        case .authMechanismRequiresPassword:
            return "the server asks for a password and none is configured (source.password_file)"
        default:
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
    }

    /// A certificate that verify-full refused, in words; nil for other errors.
    private static func tlsProblem(_ error: any Error) -> String? {
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the server's TLS certificate does not name the host of source.url (sslmode: verify-full)"
        }
        if case .handshakeFailed(let failure)? = error as? NIOSSLError, "\(failure)".contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's TLS certificate is not trusted: it is not signed by a CA in source.ssl_root_cert "
                + "(or, without it, the system's trust roots), or it has expired (sslmode: verify-full)"
        }
        return nil
    }
}

