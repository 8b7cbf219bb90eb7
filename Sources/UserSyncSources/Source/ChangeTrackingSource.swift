import UserSyncCore

/// A source that can read only the rows changed since a watermark (a PostgreSQL table with
/// a `change_column`). The engine reads it in full now and then (`fullScanInterval`): only
/// a full read may conclude that a user left the source.
public protocol ChangeTrackingSource: UserSource {
    /// nil when the source is not configured to track changes: every read is full.
    var changeTracking: ChangeTracking? { get }

    /// Streams every row (`watermark == nil`) or the rows changed since `watermark`, like
    /// `read`, and returns the watermark of what it saw (nil when no row has a value in the
    /// change column). Store it only once the plan reached the outbox.
    func read(since watermark: String?, _ body: (SourceItem) throws -> Void) throws -> String?
}

/// How a `ChangeTrackingSource` tracks changes.
public struct ChangeTracking: Sendable, Hashable {
    /// Identifies what the watermark measures (server, selection, column): a stored
    /// watermark taken under another key does not apply.
    public let key: String
    /// Seconds between full reads.
    public let fullScanInterval: Double

    public init(key: String, fullScanInterval: Double) {
        self.key = key
        self.fullScanInterval = fullScanInterval
    }
}

/// A source with a schema that can be checked against the columns the mapping needs
/// before anything runs (`usersync check`).
public protocol SchemaCheckingSource: UserSource {
    /// Throws a `SourceError` naming the first of `columns` the source does not return
    /// (or why the source cannot be reached).
    func checkColumns(_ columns: [String]) throws(SourceError)
}
