import UserSyncConfig
import UserSyncCore
import UserSyncSources

/// The one translation from the config file's model into the engine's own vocabulary.
extension SyncEngine.Options {
    public init(_ config: UserSyncConfiguration) {
        var source = SourceOptions(
            kind: config.source.kind, path: config.source.path,
            settleTime: config.source.schema.readsFile ? config.source.settleTime : .zero)
        (config.source.options as? any SourceOptionsApplying)?.apply(to: &source)
        source.columns = config.source.fields.readColumns
        let retry = config.retry
        self.init(
            statePath: config.state.path, source: source, fieldMapping: config.source.fields,
            writeBackMode: config.source.writeBack == .rewrite ? .rewrite : .inbound, inboundPath: config.source.inboundPath,
            deletionPolicy: config.sync.deletions, conflictPolicy: config.sync.conflictPolicy, direction: config.sync.direction,
            pullInterval: config.sync.pullInterval, massChange: config.sync.massChange,
            retryPolicy: RetryPolicy(
                baseDelay: Dispatcher.seconds(retry.baseDelay), maxDelay: Dispatcher.seconds(retry.maxDelay),
                maxAttempts: retry.maxAttempts ?? 0, maxAge: retry.maxAge.map(Dispatcher.seconds) ?? 0),
            openAfter: retry.openAfter, providers: config.providers)
    }
}
