import Foundation

/// `source` keys of the postgres kind: the server, the password, TLS, timeouts and change
/// detection. They are refused on other kinds, like `table` and `query` on files.
extension ConfigDecoder {
    static let postgresKeys = [
        "url", "password", "password_env", "password_file", "sslmode", "ssl_root_cert", "statement_timeout", "lock_timeout",
        "change_column", "change_overlap", "full_scan_interval", "notify_channel",
    ]

    func decodePostgres(_ section: ConfigSection, kind: Config.SourceKind?) -> Config.PostgresSettings? {
        guard let kind else { return nil }
        guard kind == .postgres else {
            for name in Self.postgresKeys where section.has(name) {
                report(section, name, "applies only to postgres sources (source.kind is \(kind.rawValue)); remove it")
            }
            return nil
        }
        if section.has("path") {
            report(section, "path", "a postgres source is found by source.url, not a path; remove it")
        }
        var url: String?
        if let text = requiredText(section, "url", hint: "postgres://user@host:5432/database") {
            switch PostgresURLRule.check(text) {
            case .success(let normalized): url = normalized
            case .failure(let problem): report(section, "url", problem.description)
            }
        }
        var password: Config.Secret?
        if ["password", "password_env", "password_file"].contains(where: { section.has($0) }) {
            password = secret(section, "password")
        }
        var settings = Config.PostgresSettings(url: url ?? "")
        settings.password = password
        settings.sslMode = choice(section, "sslmode", as: Config.PostgresSettings.SSLMode.self)
        settings.sslRootCert = rootCertificate(section, sslMode: settings.sslMode)
        settings.statementTimeout = duration(section, "statement_timeout", allowZero: true) ?? settings.statementTimeout
        settings.lockTimeout = duration(section, "lock_timeout") ?? settings.lockTimeout
        settings.changeColumn = text(section, "change_column")
        settings.changeOverlap = duration(section, "change_overlap", allowZero: true) ?? settings.changeOverlap
        settings.fullScanInterval = duration(section, "full_scan_interval") ?? settings.fullScanInterval
        settings.notifyChannel = text(section, "notify_channel")
        if let channel = settings.notifyChannel, channel.utf8.count > 63 {
            report(section, "notify_channel", "a channel name is at most 63 bytes (PostgreSQL's identifier limit)")
        }
        return url == nil ? nil : settings
    }

    /// `source.ssl_root_cert`: a readable PEM file, and only where it is used (verify-full).
    private func rootCertificate(_ section: ConfigSection, sslMode: Config.PostgresSettings.SSLMode?) -> String? {
        guard let file = path(section, "ssl_root_cert") else { return nil }
        guard sslMode == .verifyFull else {
            report(section, "ssl_root_cert", "is used only with sslmode: verify-full (set it, or remove ssl_root_cert)")
            return nil
        }
        switch SecretFile.read(file) {
        case .failure(let failure):
            report(section, "ssl_root_cert", "cannot read \(file): \(failure)")
            return nil
        case .success(let text) where !text.contains("-----BEGIN CERTIFICATE-----"):
            report(section, "ssl_root_cert", "\(file) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            return nil
        case .success:
            return file
        }
    }
}

/// `source.url` for postgres: `postgres://user@host[:port]/database`, with no password
/// (that goes in `password_file`, `password_env` or `password`) and no parameters.
enum PostgresURLRule {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The URL as the loader keeps it (`postgres://user@host:port/database`), or what is wrong.
    static func check(_ text: String) -> Result<String, Problem> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return .failure(Problem(description: "expected postgres://user@host:5432/database"))
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            return .failure(Problem(description: "the scheme must be postgres:// (got \(scheme)://)"))
        }
        if components.password != nil {
            // Never echo the value: it holds the password.
            return .failure(Problem(description: "do not put the password in the URL; use source.password_file, password_env or password"))
        }
        guard let user = components.user, !user.isEmpty else {
            return .failure(Problem(description: "the URL names no user (postgres://user@host:5432/database)"))
        }
        guard let host = components.host, !host.isEmpty else {
            return .failure(Problem(description: "the URL names no host (postgres://user@host:5432/database)"))
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { return .failure(Problem(description: "port \(port) is out of range")) }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !database.isEmpty, !database.contains("/") else {
            return .failure(Problem(description: "the URL names no database (postgres://user@host:5432/database)"))
        }
        if let query = components.query, !query.isEmpty {
            return .failure(Problem(description: "URL parameters are not read; use source.sslmode and the other source keys"))
        }
        return .success("postgres://\(user)@\(host):\(port)/\(database)")
    }
}
