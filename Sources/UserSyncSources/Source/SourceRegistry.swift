/// Builds a source from its options. Each kind registers one factory here, so a new kind
/// is one folder plus one line.
public enum SourceRegistry {
    typealias Factory = @Sendable (SourceOptions) throws(SourceError) -> any UserSource

    private static let factories: [String: Factory] = [
        JSONLSource.kind: { (options) throws(SourceError) in try JSONLSource(options: options) },
        JSONArraySource.kind: { (options) throws(SourceError) in try JSONArraySource(options: options) },
        CSVSource.kind: { (options) throws(SourceError) in try CSVSource(options: options) },
        SQLiteSource.kind: { (options) throws(SourceError) in try SQLiteSource(options: options) },
        PostgresSource.kind: { (options) throws(SourceError) in try PostgresSource(options: options) },
    ]

    /// The registered kinds, sorted.
    public static var kinds: [String] { factories.keys.sorted() }

    /// The source `options` describe; throws when the kind is unknown or the options do not
    /// fit it (a missing path, a table on a CSV file, a query that is not a SELECT…).
    /// Does not touch the file: a missing file is reported by `fingerprint()` and `read`.
    public static func make(_ options: SourceOptions) throws(SourceError) -> any UserSource {
        guard let factory = factories[options.kind] else {
            throw SourceError(
                .invalidOptions("unknown source kind \"\(options.kind)\", expected one of: \(kinds.joined(separator: ", "))"),
                path: options.path.isEmpty ? nil : options.path)
        }
        return try factory(options)
    }
}
