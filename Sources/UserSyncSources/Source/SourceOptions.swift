/// What the configuration says about the source: which kind, where, and the kind's options.
/// (`table` and `query` serve the `sqlite` and `postgres` kinds.)
public struct SourceOptions: Sendable, Hashable {
    /// A kind registered in `SourceRegistry`: `jsonl`, `json`, `csv`, `sqlite`, `postgres`.
    public var kind: String
    /// The source file (for `sqlite`, the database file).
    public var path: String
    /// `sqlite` only: the table or view to read, every column. Exclusive with `query`.
    public var table: String?
    /// `sqlite` only: a single read-only SELECT or WITH statement. Exclusive with `table`.
    public var query: String?
    /// `csv` only: the field delimiter, one ASCII byte other than `"`, CR and LF.
    public var csvDelimiter: UInt8
    /// File kinds only: how long a file must have stayed unchanged before it is read
    /// (`SettleRule`); zero reads it at once. Ignored by `sqlite` and `postgres`.
    public var settleTime: Duration
    /// `postgres` only: the server, credentials and change detection. For a postgres
    /// source, `path` is the URL without a password (what errors and logs show).
    public var postgres: PostgresSourceOptions?
    /// The columns the field mapping reads, when known. A source that chooses its columns
    /// itself (`postgres`) asks for these only, so columns nobody maps cost nothing; nil
    /// reads every column. File sources always deliver whole rows.
    public var columns: [String]?

    public init(
        kind: String, path: String, table: String? = nil, query: String? = nil,
        csvDelimiter: UInt8 = UInt8(ascii: ","), settleTime: Duration = .zero, postgres: PostgresSourceOptions? = nil
    ) {
        self.kind = kind
        self.path = path
        self.table = table
        self.query = query
        self.csvDelimiter = csvDelimiter
        self.settleTime = settleTime
        self.postgres = postgres
    }
}

extension SourceOptions {
    /// Checks what every file kind needs: a path, and no SQLite-only option.
    func validateFileOptions() throws(SourceError) {
        try validatePath()
        if table != nil || query != nil {
            throw SourceError(
                .invalidOptions("table and query apply only to sqlite sources, this one is \(kind)"), path: path)
        }
    }

    func validatePath() throws(SourceError) {
        if path.isEmpty { throw SourceError(.invalidOptions("the \(kind) source has an empty path"), path: nil) }
        if path.utf8.contains(0) { throw SourceError(.invalidOptions("the \(kind) source path holds a NUL byte"), path: nil) }
    }

    /// A digest of the options that shape what is read, for fingerprints.
    static func digest(_ parts: [String]) -> String {
        var hasher = FNV1a64()
        for part in parts { hasher.combine(part) }
        return hasher.hex
    }
}
