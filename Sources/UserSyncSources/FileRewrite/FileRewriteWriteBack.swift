import UserSyncCore

/// `write_back: rewrite`: applies the changes to the source file itself (JSONL, JSON array
/// or CSV). The source's own tokenizer finds what to change (`RewritableSource`): the edited
/// members of the affected JSON objects, the edited cells of the affected CSV rows; then
/// `AtomicFileRewrite` copies every other byte as it is into a new file beside the original
/// and renames that over it: permissions, owner and ACL kept, `fsync`ed before the rename,
/// and abandoned if the file changes meanwhile. Memory holds the edited rows, never the file.
/// When no byte would change (every change skipped, or already in the file), the file is
/// left alone.
///
/// Every row holding a user's external id gets the user's changes (the reader rejects
/// duplicate ids, so in practice there is one). A change for an id no row holds is skipped.
public struct FileRewriteWriteBack: SourceWriteBack {
    /// The source whose file is rewritten.
    let source: any RewritableSource
    public let mapping: FieldMapping
    /// Test hook: runs just before the final check that the file did not change.
    var beforeCommit: AtomicFileRewrite.Hook?
    /// Chunk size and item limit; tests shrink them.
    var reading = RewriteInput()

    init(source: any RewritableSource, mapping: FieldMapping) throws(SourceError) {
        if mapping.externalID.isEmpty {
            throw SourceError(.invalidOptions("the external id column is empty"), path: source.path)
        }
        self.source = source
        self.mapping = mapping
    }

    public var path: String { source.path }

    public var description: String { "\(source.description) (rewritten in place)" }

    @discardableResult
    public func apply(_ changes: [FieldChange]) throws(SourceError) -> WriteBackResult {
        var plan = WriteBackPlan(changes, mapping: mapping)
        guard !plan.isEmpty else { return plan.result }
        let (source, idColumn, reading) = (source, mapping.externalID, reading)
        try AtomicFileRewrite.rewrite(path: source.path, beforeCommit: beforeCommit) { input in
            try source.splices(in: input, plan: &plan, idColumn: idColumn, reading: reading)
        }
        return plan.result
    }
}
