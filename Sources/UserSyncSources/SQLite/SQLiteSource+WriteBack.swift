extension SQLiteSource: TableSource {
    static func tableWriteBack(_ table: String, _ options: WriteBackOptions) throws(SourceError) -> any SourceWriteBack {
        try SQLiteTableWriteBack(
            path: options.source.path, table: table, mapping: options.mapping, busyTimeout: options.busyTimeout)
    }
}
