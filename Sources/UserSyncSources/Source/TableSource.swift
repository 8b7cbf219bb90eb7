import UserSyncConfig

/// What the database kinds (SQLite, PostgreSQL) share: a table, whose remote changes are
/// written into it, or a read-only query, whose remote changes go to the inbound changes
/// file since a query cannot be written back.
protocol TableSource: UserSource {
    static var kind: String { get }
    /// Its keys of the config file's `source` section.
    static var configSchema: any SourceConfigSchema.Type { get }

    init(options: SourceOptions) throws(SourceError)

    /// The write-back into `table` of the source `options.source` describes.
    static func tableWriteBack(_ table: String, _ options: WriteBackOptions) throws(SourceError) -> any SourceWriteBack
}

/// The database kinds, `write_back` ignored.
struct TableSourceKind<Source: TableSource>: SourceKind {
    var name: String { Source.kind }
    var capabilities: SourceCapabilities { [] }
    var configSchema: any SourceConfigSchema.Type { Source.configSchema }

    func source(_ options: SourceOptions) throws(SourceError) -> any UserSource {
        try Source(options: options)
    }

    func writeBack(_ options: WriteBackOptions) throws(SourceError) -> any SourceWriteBack {
        guard let table = options.source.table else {
            return try options.inboundWriteBack(because: "a \(name) query source cannot be written back")
        }
        return try Source.tableWriteBack(table, options)
    }
}
