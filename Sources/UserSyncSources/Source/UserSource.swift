import UserSyncCore

/// A reader of the local source of truth: one implementation per kind (JSONL, JSON array,
/// CSV, SQLite, PostgreSQL), built from `SourceOptions` by its `SourceKind`.
///
/// A source reads rows; it does not map or validate them (that is `RecordMapper`'s job).
/// Row-level problems are reported in the stream as `SourceItem.unreadable` and never stop
/// it; file-level problems (missing file, permission denied, not an array, no header, a
/// truncated JSON array) throw a `SourceError` naming the path.
public protocol UserSource: Sendable {
    /// What the source is, for logs: `jsonl file /srv/app/users.jsonl`. Never holds a secret.
    var description: String { get }

    /// Cheap identity of the current content: two equal fingerprints mean the source did
    /// not change. Unequal fingerprints may still hold the same rows (a `touch`).
    ///
    /// Take it *before* `read`: if the source changes while it is read, the next
    /// fingerprint differs from the stored one and the source is read again.
    func fingerprint() throws(SourceError) -> SourceFingerprint

    /// Streams every row, in order, calling `body` for each; memory stays constant in the
    /// number of rows. Errors thrown by `body` stop the stream and are rethrown as they are.
    ///
    /// If `read` throws a `SourceError`, the rows already delivered are an incomplete
    /// picture of the source: a caller must not treat the missing rows as deleted.
    ///
    /// A file source that is still being written (`SourceError.settlesAt` is set) throws
    /// before delivering anything, or at the end if the file changed during the read.
    func read(_ body: (SourceItem) throws -> Void) throws

    /// Throws `SourceError` with `settlesAt` set when the source is still being written and
    /// a `read` now would be refused; cheap (one `stat`). Sources that cannot be seen
    /// half-written (SQLite) never throw.
    func requireSettled() throws(SourceError)
}

extension UserSource {
    public func requireSettled() throws(SourceError) {}
}
