import UserSyncConfig

/// `source.kind: sqlite`: `path` (the database file), and `table` or `query`.
public enum SQLiteSourceSchema: SourceConfigSchema {
    public static let kind = SQLiteSource.kind
    public static let readsFile = false
    public static let ownKeys = ["path"] + TableOrQuery.keys

    public static func decode(_ section: ConfigSection, reader: ConfigDecoder) -> (any SourceKindSettings)? {
        let selection = TableOrQuery.decode(section, reader: reader, kind: kind)
        return reader.requiredPath(section, "path").map { SQLiteSourceSettings(path: $0, tableOrQuery: selection) }
    }
}

/// `source.path` and the table or query of a SQLite database.
public struct SQLiteSourceSettings: TableSourceSettings, Equatable {
    /// `source.path`: the database file (absolute).
    public var path: String
    public var tableOrQuery: TableOrQuery

    public init(path: String, tableOrQuery: TableOrQuery) {
        self.path = path
        self.tableOrQuery = tableOrQuery
    }

    public var location: String { path }

    public func render(into out: inout YAMLWriter) {
        out.field("path", YAMLWriter.quoted(path))
        tableOrQuery.render(into: &out)
    }
}

extension SQLiteSourceSettings: SourceOptionsApplying {
    public func apply(to options: inout SourceOptions) {
        options.table = tableOrQuery.table
        options.query = tableOrQuery.query
    }
}
