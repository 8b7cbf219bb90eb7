import UserSyncCore

/// Builds the write-back for a source from its options:
///
/// | source | `mode` | write-back |
/// |---|---|---|
/// | `sqlite` with `table` | (ignored) | `SQLiteTableWriteBack`: into the table |
/// | `sqlite` with `query` | (ignored) | `InboundFileWriteBack`: a query cannot be written back |
/// | `postgres` with `table` | (ignored) | `PostgresTableWriteBack`: `UPDATE` of the changed columns |
/// | `postgres` with `query` | (ignored) | `InboundFileWriteBack` |
/// | `jsonl`, `json`, `csv` | `inbound` | `InboundFileWriteBack` |
/// | `jsonl`, `json`, `csv` | `rewrite` | `FileRewriteWriteBack`: the file rewritten atomically |
///
/// Like `SourceRegistry.make`, it does not touch any file.
public enum WriteBackRegistry {
    public static func make(_ options: WriteBackOptions) throws(SourceError) -> any SourceWriteBack {
        // The same validation as the reader: a write-back never exists for a source that cannot.
        _ = try SourceRegistry.make(options.source)
        let source = options.source
        if options.mapping.externalID.isEmpty {
            throw SourceError(.invalidOptions("the external id column is empty"), path: source.path)
        }
        func inbound(_ reason: String?) throws(SourceError) -> any SourceWriteBack {
            guard let path = options.inboundPath, !path.isEmpty else {
                throw SourceError(
                    .invalidOptions("remote changes for this \(source.kind) source go to the inbound changes file, but no inbound path is set"),
                    path: source.path)
            }
            return try InboundFileWriteBack(path: path, mapping: options.mapping, fallbackReason: reason)
        }
        switch source.kind {
        case SQLiteSource.kind:
            if let table = source.table {
                return try SQLiteTableWriteBack(
                    path: source.path, table: table, mapping: options.mapping, busyTimeout: options.busyTimeout)
            }
            return try inbound("a sqlite query source cannot be written back")
        case PostgresSource.kind:
            if let table = source.table, let postgres = source.postgres {
                return try PostgresTableWriteBack(table: table, mapping: options.mapping, options: postgres)
            }
            return try inbound("a postgres query source cannot be written back")
        default:
            guard let format = FileRewriteWriteBack.Format(rawValue: source.kind) else {
                throw SourceError(.invalidOptions("no write-back for source kind \"\(source.kind)\""), path: source.path)
            }
            switch options.mode {
            case .inbound:
                return try inbound(nil)
            case .rewrite:
                return try FileRewriteWriteBack(
                    path: source.path, format: format, mapping: options.mapping, csvDelimiter: source.csvDelimiter)
            }
        }
    }
}
