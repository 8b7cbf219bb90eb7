import UserSyncCore

/// Writes accepted remote changes back to the local side: into a SQLite table, into the
/// inbound changes file, or into the source file itself (`write_back: rewrite`). Built from
/// `WriteBackOptions` by its source kind (`SourceRegistry.makeWriteBack`).
///
/// `apply` is synchronous and blocking (file and database I/O); call it off the cooperative
/// thread pool. Implementations are immutable values, safe to share between threads; calls
/// on one source must not overlap (the engine applies one batch at a time).
public protocol SourceWriteBack: Sendable {
    /// Applies accepted remote changes to the local side.
    ///
    /// All-or-nothing per call: when it throws, nothing was applied and the error says why;
    /// the caller keeps every change and retries it next cycle (a change must never be lost).
    ///
    /// When it returns, the `applied` changes are durable (committed, or fsynced and renamed)
    /// and the `skipped` ones can never be applied as configured (a field with no column, a
    /// user no longer in the source…): the caller drops both, logging the skipped ones with
    /// their reason. Changes are applied in the order given: for one user and field, the last
    /// one wins.
    @discardableResult
    func apply(_ changes: [FieldChange]) throws(SourceError) -> WriteBackResult

    /// Where changes go, for logs: `sqlite table users in /srv/app/app.db`. Never holds a secret.
    var description: String { get }
}
