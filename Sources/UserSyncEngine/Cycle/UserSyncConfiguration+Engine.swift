import UserSyncConfig
import UserSyncCore
import UserSyncSources

/// Translations from the config file's model into the engine's own vocabulary.
extension UserSyncConfiguration {
    public var fieldMapping: FieldMapping { source.fields }

    public var sourceOptions: SourceOptions {
        var options = SourceOptions(
            kind: source.kind, path: source.path, settleTime: source.schema.readsFile ? source.settleTime : .zero)
        (source.options as? any SourceOptionsApplying)?.apply(to: &options)
        return options
    }

    public var deletionPolicy: DeletionPolicy { sync.deletions }

    public var retryPolicy: RetryPolicy {
        RetryPolicy(
            baseDelay: Dispatcher.seconds(retry.baseDelay), maxDelay: Dispatcher.seconds(retry.maxDelay),
            maxAttempts: retry.maxAttempts ?? 0, maxAge: retry.maxAge.map(Dispatcher.seconds) ?? 0)
    }
}
