import UserSyncConfig

/// `source.table` or `source.query`, what the database kinds share: exactly one of them, and a
/// query must be read-only.
public struct TableOrQuery: Sendable, Equatable {
    /// `source.table`: the table or view read whole, and written back into.
    public var table: String?
    /// `source.query`: a read-only statement starting with SELECT or WITH; its remote changes
    /// go to the inbound changes file, since a query cannot be written back.
    public var query: String?

    public init(table: String? = nil, query: String? = nil) {
        self.table = table
        self.query = query
    }

    static let keys = ["table", "query"]

    static func decode(_ section: ConfigSection, reader: ConfigDecoder, kind: String) -> TableOrQuery {
        var result = TableOrQuery(table: reader.text(section, "table"), query: reader.text(section, "query"))
        if section.has("table"), section.has("query") {
            reader.report(section, "query", "give either source.table or source.query, not both")
        } else if !section.has("table"), !section.has("query") {
            reader.report(section.key("table"), line: section.line,
                          "a \(kind) source needs source.table (a table name) or source.query (a SELECT)")
        }
        if let text = result.query, !SQLQueryRule.isReadOnly(text) {
            reader.report(section, "query", "must be a read-only query starting with SELECT or WITH")
            result.query = nil
        }
        return result
    }

    func render(into out: inout YAMLWriter) {
        if let table { out.field("table", YAMLWriter.quoted(table)) }
        if let query { out.field("query", YAMLWriter.quoted(query)) }
    }
}

/// The settings of a database kind, for what reads `table` and `query` whatever the kind.
public protocol TableSourceSettings: SourceKindSettings {
    var tableOrQuery: TableOrQuery { get }
}

extension TableSourceSettings {
    /// Remote changes of a query source go to the inbound changes file.
    public var needsInboundFile: Bool { tableOrQuery.query != nil }
}

extension UserSyncConfiguration.SourceSettings {
    /// `source.table` of a database kind.
    public var table: String? { (options as? any TableSourceSettings)?.tableOrQuery.table }
    /// `source.query` of a database kind.
    public var query: String? { (options as? any TableSourceSettings)?.tableOrQuery.query }
}
