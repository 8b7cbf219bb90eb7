extension PostgresSource: TableSource {
    static func tableWriteBack(_ table: String, _ options: WriteBackOptions) throws(SourceError) -> any SourceWriteBack {
        guard let postgres = options.source.postgres else {
            throw SourceError(.invalidOptions("a postgres source needs source.url"), path: nil)
        }
        return try PostgresTableWriteBack(table: table, mapping: options.mapping, options: postgres)
    }
}
