import UserSyncConfig
import UserSyncCore
import UserSyncSources

/// Translations from the config file's model into the engine's own vocabulary.
extension UserSyncConfiguration {
    public var fieldMapping: FieldMapping { source.fields }

    public var sourceOptions: SourceOptions {
        let settles = SourceRegistry.kind(named: source.kind.rawValue)?.capabilities.contains(.settles) ?? false
        return SourceOptions(
            kind: source.kind.rawValue, path: source.path, table: source.table, query: source.query,
            csvDelimiter: source.csv.delimiterByte, settleTime: settles ? source.settleTime : .zero,
            postgres: postgresOptions)
    }

    /// The postgres keys in the source's vocabulary; nil for other kinds (or a URL the
    /// loader would have refused).
    var postgresOptions: PostgresSourceOptions? {
        guard let settings = source.postgres, case .success(let url) = PostgresURL.parse(settings.url) else { return nil }
        return PostgresSourceOptions(
            url: url, password: settings.password?.revealed,
            sslMode: settings.sslMode.flatMap { PostgresSourceOptions.SSLMode(rawValue: $0.rawValue) },
            sslRootCertificate: settings.sslRootCert,
            statementTimeout: Dispatcher.seconds(settings.statementTimeout), lockTimeout: Dispatcher.seconds(settings.lockTimeout),
            changeColumn: settings.changeColumn, changeOverlap: Dispatcher.seconds(settings.changeOverlap),
            fullScanInterval: Dispatcher.seconds(settings.fullScanInterval), notifyChannel: settings.notifyChannel)
    }

    public var deletionPolicy: DeletionPolicy { sync.deletions }

    public var retryPolicy: RetryPolicy {
        RetryPolicy(
            baseDelay: Dispatcher.seconds(retry.baseDelay), maxDelay: Dispatcher.seconds(retry.maxDelay),
            maxAttempts: retry.maxAttempts ?? 0, maxAge: retry.maxAge.map(Dispatcher.seconds) ?? 0)
    }
}
