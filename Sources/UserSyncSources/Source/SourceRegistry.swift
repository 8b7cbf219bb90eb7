import UserSyncConfig

/// The source kinds, one line each: a new kind is one folder plus one line here. Builds a
/// source, and its write-back, from the options:
///
/// | source | `mode` | write-back |
/// |---|---|---|
/// | `sqlite` with `table` | (ignored) | `SQLiteTableWriteBack`: into the table |
/// | `sqlite` with `query` | (ignored) | `InboundFileWriteBack`: a query cannot be written back |
/// | `postgres` with `table` | (ignored) | `PostgresTableWriteBack`: `UPDATE` of the changed columns |
/// | `postgres` with `query` | (ignored) | `InboundFileWriteBack` |
/// | `jsonl`, `json`, `csv` | `inbound` | `InboundFileWriteBack` |
/// | `jsonl`, `json`, `csv` | `rewrite` | `FileRewriteWriteBack`: the file rewritten atomically |
public enum SourceRegistry {
    private static let registered: [any SourceKind] = [
        FileSourceKind<JSONLSource>(),
        FileSourceKind<JSONArraySource>(),
        FileSourceKind<CSVSource>(),
        TableSourceKind<SQLiteSource>(),
        TableSourceKind<PostgresSource>(),
    ]

    /// What the config loader is given: each kind's keys of `source`, in registration order.
    public static var configSchemas: [any SourceConfigSchema.Type] { registered.map(\.configSchema) }

    /// The registered kinds, sorted.
    public static var kinds: [String] { registered.map(\.name).sorted() }

    /// The kind `source.kind` names, if there is one.
    public static func kind(named name: String) -> (any SourceKind)? {
        registered.first { $0.name == name }
    }

    /// The source `options` describe; throws when the kind is unknown or the options do not
    /// fit it (a missing path, a table on a CSV file, a query that is not a SELECT…).
    /// Does not touch the file: a missing file is reported by `fingerprint()` and `read`.
    public static func make(_ options: SourceOptions) throws(SourceError) -> any UserSource {
        try kind(of: options).source(options)
    }

    /// Where accepted remote changes go for the source `options.source` describes. Like
    /// `make`, it does not touch any file.
    public static func makeWriteBack(_ options: WriteBackOptions) throws(SourceError) -> any SourceWriteBack {
        let kind = try kind(of: options.source)
        // The same validation as the reader: a write-back never exists for a source that cannot.
        _ = try kind.source(options.source)
        if options.mapping.externalID.isEmpty {
            throw SourceError(.invalidOptions("the external id column is empty"), path: options.source.path)
        }
        return try kind.writeBack(options)
    }

    private static func kind(of options: SourceOptions) throws(SourceError) -> any SourceKind {
        guard let kind = kind(named: options.kind) else {
            throw SourceError(
                .invalidOptions("unknown source kind \"\(options.kind)\", expected one of: \(kinds.joined(separator: ", "))"),
                path: options.path.isEmpty ? nil : options.path)
        }
        return kind
    }
}
