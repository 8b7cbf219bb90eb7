import Foundation

/// What the configuration says about a `postgres` source beyond `SourceOptions.table` /
/// `query`: where the server is, how to authenticate, and how to detect changes.
///
/// Times are in seconds. The password is held here only to open connections; it never
/// appears in `description`s, fingerprints or errors.
public struct PostgresSourceOptions: Sendable, Hashable {
    /// `source.sslmode`.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP. Only sensible on loopback or a private network.
        case disable
        /// TLS, without checking the certificate (libpq's `require`).
        case require
        /// TLS, with the certificate checked against the trust roots (the system's, or
        /// `source.ssl_root_cert`) and the host name.
        case verifyFull = "verify-full"
    }

    /// `source.url`: `postgres://user@host:5432/database` (no password).
    public var url: PostgresURL
    /// From `source.password`, `password_env` or `password_file`; nil for trust/peer setups.
    public var password: String?
    /// `source.sslmode`; nil means `require`, or `disable` when the host is loopback.
    public var sslMode: SSLMode?
    /// `source.ssl_root_cert`: a PEM file of the CA certificates `verify-full` trusts instead
    /// of the system's.
    public var sslRootCertificate: String?
    /// `source.statement_timeout`: the longest one statement may run (0: no limit).
    public var statementTimeout: Double
    /// `source.lock_timeout`: how long a write-back waits for a row lock (then it is retried
    /// next cycle).
    public var lockTimeout: Double
    /// `source.change_column`: a monotone `timestamptz` or `bigint` column; with it, a cycle
    /// reads only the rows changed since the last watermark.
    public var changeColumn: String?
    /// `source.change_overlap`: how far before the watermark an incremental read starts, so a
    /// row committed late with an older value is not missed (for a bigint column, the number
    /// of seconds is taken as a count of values).
    public var changeOverlap: Double
    /// `source.full_scan_interval`: with a change column, a full read at least this often
    /// (it is what notices deleted rows).
    public var fullScanInterval: Double
    /// `source.notify_channel`: the channel `LISTEN`ed to for wake-ups.
    public var notifyChannel: String?
    /// How long to wait for a connection (TCP, TLS and authentication).
    public var connectTimeout: Double

    public init(
        url: PostgresURL, password: String? = nil, sslMode: SSLMode? = nil, sslRootCertificate: String? = nil,
        statementTimeout: Double = 600,
        lockTimeout: Double = 2, changeColumn: String? = nil, changeOverlap: Double = 5, fullScanInterval: Double = 3600,
        notifyChannel: String? = nil, connectTimeout: Double = 10
    ) {
        self.url = url
        self.password = password
        self.sslMode = sslMode
        self.sslRootCertificate = sslRootCertificate
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
        self.changeColumn = changeColumn
        self.changeOverlap = changeOverlap
        self.fullScanInterval = fullScanInterval
        self.notifyChannel = notifyChannel
        self.connectTimeout = connectTimeout
    }

    /// The mode in force: the configured one, else `disable` on loopback and `require` elsewhere.
    public var effectiveSSLMode: SSLMode {
        sslMode ?? (url.isLoopback ? .disable : .require)
    }
}

/// `postgres://user@host:port/database`, parsed. `description` is the URL without a password.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public let user: String
    public let host: String
    public let port: Int
    public let database: String

    public init(user: String, host: String, port: Int = 5432, database: String) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses `text`; the error says what is wrong in the words of the config key.
    public static func parse(_ text: String) -> Result<PostgresURL, PostgresURLError> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return .failure(.init("expected postgres://user@host:5432/database"))
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            return .failure(.init("the scheme must be postgres:// (got \(scheme)://)"))
        }
        if components.password != nil {
            // Never echo the value: it holds the password.
            return .failure(.init("do not put the password in the URL; use source.password_file, password_env or password"))
        }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            return .failure(.init("the URL names no user (postgres://user@host:5432/database)"))
        }
        guard var host = components.host, !host.isEmpty else {
            return .failure(.init("the URL names no host (postgres://user@host:5432/database)"))
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { return .failure(.init("port \(port) is out of range")) }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard let database = path.removingPercentEncoding, !database.isEmpty, !database.contains("/") else {
            return .failure(.init("the URL names no database (postgres://user@host:5432/database)"))
        }
        if let query = components.query, !query.isEmpty {
            return .failure(.init("URL parameters are not read; use source.sslmode and the other source keys"))
        }
        return .success(PostgresURL(user: user, host: host, port: port, database: database))
    }

    /// True for `localhost`, 127.0.0.0/8 and `::1`: no TLS needed by default.
    public var isLoopback: Bool {
        let lower = host.lowercased()
        return lower == "localhost" || lower.hasPrefix("127.") || lower == "::1"
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)"
    }
}

public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
