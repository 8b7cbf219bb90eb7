import UserSyncConfig

/// `source.kind: postgres`: the server, the password, TLS, timeouts and change detection,
/// and `table` or `query`.
public enum PostgresSourceSchema: SourceConfigSchema {
    public static let kind = PostgresSource.kind
    public static let readsFile = false
    // `path` is listed so that it gets this kind's own message rather than the general one.
    public static let ownKeys = [
        "url", "path", "password", "password_env", "password_file", "sslmode", "ssl_root_cert", "statement_timeout",
        "lock_timeout", "change_column", "change_overlap", "full_scan_interval", "notify_channel",
    ] + TableOrQuery.keys

    public static func decode(_ section: ConfigSection, reader: ConfigDecoder) -> (any SourceKindSettings)? {
        if section.has("path") {
            reader.report(section, "path", "a postgres source is found by source.url, not a path; remove it")
        }
        var url: String?
        if let text = reader.requiredText(section, "url", hint: "postgres://user@host:5432/database") {
            switch PostgresURL.parse(text) {
            case .success(let parsed): url = parsed.description
            case .failure(let problem): reader.report(section, "url", problem.description)
            }
        }
        var settings = PostgresSourceSettings(url: url ?? "", tableOrQuery: TableOrQuery.decode(section, reader: reader, kind: kind))
        if ["password", "password_env", "password_file"].contains(where: { section.has($0) }) {
            settings.password = reader.secret(section, "password")
        }
        settings.sslMode = reader.choice(section, "sslmode", as: PostgresSourceOptions.SSLMode.self)
        settings.sslRootCert = rootCertificate(section, sslMode: settings.sslMode, reader: reader)
        settings.statementTimeout = reader.duration(section, "statement_timeout", allowZero: true) ?? settings.statementTimeout
        settings.lockTimeout = reader.duration(section, "lock_timeout") ?? settings.lockTimeout
        settings.changeColumn = reader.text(section, "change_column")
        settings.changeOverlap = reader.duration(section, "change_overlap", allowZero: true) ?? settings.changeOverlap
        settings.fullScanInterval = reader.duration(section, "full_scan_interval") ?? settings.fullScanInterval
        settings.notifyChannel = reader.text(section, "notify_channel")
        if let channel = settings.notifyChannel, channel.utf8.count > 63 {
            reader.report(section, "notify_channel", "a channel name is at most 63 bytes (PostgreSQL's identifier limit)")
        }
        return url == nil ? nil : settings
    }

    /// `source.ssl_root_cert`: a readable PEM file, and only where it is used (verify-full).
    private static func rootCertificate(
        _ section: ConfigSection, sslMode: PostgresSourceOptions.SSLMode?, reader: ConfigDecoder
    ) -> String? {
        guard let file = reader.path(section, "ssl_root_cert") else { return nil }
        guard sslMode == .verifyFull else {
            reader.report(section, "ssl_root_cert", "is used only with sslmode: verify-full (set it, or remove ssl_root_cert)")
            return nil
        }
        switch SecretFile.read(file) {
        case .failure(let failure):
            reader.report(section, "ssl_root_cert", "cannot read \(file): \(failure)")
            return nil
        case .success(let text) where !text.contains("-----BEGIN CERTIFICATE-----"):
            reader.report(section, "ssl_root_cert", "\(file) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            return nil
        case .success:
            return file
        }
    }
}

/// The postgres keys of `source`.
public struct PostgresSourceSettings: TableSourceSettings, Equatable {
    /// `source.url`: `postgres://user@host:5432/database`, checked, without a password.
    public var url: String
    public var tableOrQuery: TableOrQuery
    /// `source.password` / `password_env` / `password_file`; nil when the server needs none.
    public var password: UserSyncConfiguration.Secret?
    /// `source.sslmode`; nil: `require`, or `disable` for a loopback host.
    public var sslMode: PostgresSourceOptions.SSLMode?
    /// `source.ssl_root_cert`: a PEM file of the CA certificates trusted with `verify-full`
    /// instead of the system's (absolute; for a server certificate from a private CA).
    public var sslRootCert: String?
    /// `source.statement_timeout` (default 10m; 0s: no limit). A full read is one statement.
    public var statementTimeout: Duration = .seconds(600)
    /// `source.lock_timeout`: how long a write-back waits for a row lock (default 2s).
    public var lockTimeout: Duration = .seconds(2)
    /// `source.change_column`: a monotone timestamptz or bigint column.
    public var changeColumn: String?
    /// `source.change_overlap` (default 5s).
    public var changeOverlap: Duration = .seconds(5)
    /// `source.full_scan_interval` (default 1h).
    public var fullScanInterval: Duration = .seconds(3600)
    /// `source.notify_channel`: LISTENed to for wake-ups.
    public var notifyChannel: String?

    public init(url: String, tableOrQuery: TableOrQuery) {
        self.url = url
        self.tableOrQuery = tableOrQuery
    }

    public var location: String { url }
    public var secrets: [UserSyncConfiguration.Secret] { password.map { [$0] } ?? [] }

    public func render(into out: inout YAMLWriter) {
        out.field("url", YAMLWriter.quoted(url))
        tableOrQuery.render(into: &out)
        if let password {
            out.secret("password", password)
        }
        out.field("sslmode", sslMode?.rawValue ?? "~", comment: sslMode == nil ? "require, or disable on loopback" : nil)
        if let sslRootCert {
            out.field("ssl_root_cert", YAMLWriter.quoted(sslRootCert))
        }
        out.field("statement_timeout", DurationSyntax.format(statementTimeout))
        out.field("lock_timeout", DurationSyntax.format(lockTimeout))
        out.field(
            "change_column", changeColumn.map { YAMLWriter.quoted($0) } ?? "~",
            comment: changeColumn == nil ? "every cycle reads every row" : nil)
        out.field("change_overlap", DurationSyntax.format(changeOverlap))
        out.field("full_scan_interval", DurationSyntax.format(fullScanInterval))
        out.field(
            "notify_channel", notifyChannel.map { YAMLWriter.quoted($0) } ?? "~",
            comment: notifyChannel == nil ? "no wake-up: sync.interval" : nil)
    }
}

extension PostgresSourceSettings: SourceOptionsApplying {
    public func apply(to options: inout SourceOptions) {
        options.table = tableOrQuery.table
        options.query = tableOrQuery.query
        guard case .success(let url) = PostgresURL.parse(url) else { return }
        options.postgres = PostgresSourceOptions(
            url: url, password: password?.revealed, sslMode: sslMode, sslRootCertificate: sslRootCert,
            statementTimeout: Self.seconds(statementTimeout), lockTimeout: Self.seconds(lockTimeout),
            changeColumn: changeColumn, changeOverlap: Self.seconds(changeOverlap),
            fullScanInterval: Self.seconds(fullScanInterval), notifyChannel: notifyChannel)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension UserSyncConfiguration.SourceSettings {
    /// The postgres kind's settings; nil for other kinds.
    public var postgres: PostgresSourceSettings? { options as? PostgresSourceSettings }
}
