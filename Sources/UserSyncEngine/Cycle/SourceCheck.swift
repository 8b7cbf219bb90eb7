import UserSyncConfig
import UserSyncCore
import UserSyncSources

/// What `usersync check` asks of the source beyond the config file: for a database source
/// (SQLite or PostgreSQL, a table or a query), that every mapped column exists (a missing
/// one is a config error, exit 78).
public enum SourceCheck {
    /// Throws a `SourceError` naming the first mapped column the source does not return.
    /// Sources without a schema to check (files) pass without being opened.
    public static func run(_ options: SyncEngine.Options) throws {
        let source = try SourceRegistry.make(options.source)
        guard let checked = source as? any SchemaCheckingSource else { return }
        try checked.checkColumns(options.fieldMapping.readColumns)
    }
}
