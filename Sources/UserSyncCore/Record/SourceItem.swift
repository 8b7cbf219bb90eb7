/// One item a source yields: a row of columns, or a row that could not be read at all.
public enum SourceItem: Sendable {
    case row(SourceRow)
    case unreadable(SourceLocation, RejectionReason)
}

/// A raw row: column name to value, before the field mapping.
/// CSV and SQLite text columns arrive as `.string`; JSON sources keep their types.
public struct SourceRow: Sendable {
    public let location: SourceLocation
    public let columns: [String: JSONValue]

    public init(location: SourceLocation, columns: [String: JSONValue]) {
        self.location = location
        self.columns = columns
    }
}
