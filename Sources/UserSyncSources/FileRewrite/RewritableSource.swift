/// A file source that `write_back: rewrite` can edit in place (`FileRewriteWriteBack`). It
/// finds the edits with its own reader's tokenizer, so a rewrite sees exactly the rows a read
/// sees: rows the reader rejects (unparseable, too long, a field count that differs from the
/// header's) are never edited, and a file the reader refuses is not rewritten.
protocol RewritableSource: FileSource {
    /// What to replace in `input` for the edits in `plan`, in file order, recording each
    /// edit's outcome in `plan`. An edit that changes no byte needs no splice.
    func splices(
        in input: borrowing InputFile, plan: inout WriteBackPlan, idColumn: String, reading: RewriteInput
    ) throws -> [Splice]
}

/// One edit of a rewritten file: the bytes at `range` of the original give way to `bytes`.
struct Splice {
    let range: Range<Int>
    let bytes: [UInt8]
}

/// How a rewrite reads the original: in chunks of `chunkSize` bytes, holding at most
/// `maxItemBytes` of one line, element or row (longer ones are left as they are, as the
/// readers report them unreadable). Tests shrink both to exercise the seams.
struct RewriteInput {
    var chunkSize = InputFile.chunkSize
    /// Nil: the readers' limit (`FileSource.maxItemBytes`).
    var maxItemBytes: Int?
}
