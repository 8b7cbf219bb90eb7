import UserSyncCore

/// `write_back: rewrite`: applies the changes to the source file itself (JSONL, JSON array
/// or CSV) by streaming it into a new file beside it and renaming that over it
/// (`AtomicFileRewrite`): permissions, owner and ACL kept, `fsync`ed before the rename, and
/// abandoned if the file changes meanwhile. Memory stays constant in the number of rows.
///
/// Only what changes is re-written: the edited members of the affected JSON objects, the
/// edited cells of the affected CSV rows; every other byte is copied as it is (see
/// `JSONLRewriter`, `JSONArrayRewriter`, `CSVRewriter`). When no byte would change (every
/// change skipped, or already in the file), the file is left alone.
///
/// Every row holding a user's external id gets the user's changes (the reader rejects
/// duplicate ids, so in practice there is one). A change for an id no row holds is skipped.
public struct FileRewriteWriteBack: SourceWriteBack {
    public enum Format: String, Sendable, Hashable {
        case jsonl
        case json
        case csv
    }

    public let path: String
    public let format: Format
    public let mapping: FieldMapping
    /// `csv` only.
    public let csvDelimiter: UInt8
    /// Test hook: runs just before the final check that the file did not change.
    var beforeCommit: AtomicFileRewrite.Hook?
    /// Chunk size and item limit; tests shrink them.
    var reading = RewriteInput()

    public init(path: String, format: Format, mapping: FieldMapping, csvDelimiter: UInt8 = UInt8(ascii: ",")) throws(SourceError) {
        if path.isEmpty || path.utf8.contains(0) {
            throw SourceError(.invalidOptions("the \(format.rawValue) source has an empty path or holds a NUL byte"), path: nil)
        }
        if mapping.externalID.isEmpty {
            throw SourceError(.invalidOptions("the external id column is empty"), path: path)
        }
        self.path = path
        self.format = format
        self.mapping = mapping
        self.csvDelimiter = csvDelimiter
    }

    public var description: String {
        let kind = format == .json ? "json array" : format.rawValue
        return "\(kind) file \(path) (rewritten in place)"
    }

    @discardableResult
    public func apply(_ changes: [FieldChange]) throws(SourceError) -> WriteBackResult {
        var plan = WriteBackPlan(changes, mapping: mapping)
        guard !plan.isEmpty else { return plan.result }
        let idColumn = mapping.externalID
        let format = format
        let path = path
        let delimiter = csvDelimiter
        let reading = reading
        try AtomicFileRewrite.rewrite(path: path, beforeCommit: beforeCommit) { input, output in
            switch format {
            case .jsonl:
                return try JSONLRewriter.transform(input, &output, plan: &plan, idColumn: idColumn, reading: reading)
            case .json:
                return try JSONArrayRewriter.transform(
                    input, &output, plan: &plan, idColumn: idColumn, path: path, reading: reading)
            case .csv:
                return try CSVRewriter.transform(
                    input, &output, plan: &plan, idColumn: idColumn, delimiter: delimiter, path: path, reading: reading)
            }
        }
        return plan.result
    }
}
