/// A file source whose rows are JSON objects (JSONL, JSON array): `write_back: rewrite`
/// edits the objects of users with changes in place (`JSONRowEditor`).
protocol JSONRowSource: RewritableSource {
    /// Calls `body` with the text of each row as the reader cuts it, and where it lies.
    func forEachRowText(
        in input: borrowing InputFile, reading: RewriteInput, _ body: (UnsafeBufferPointer<UInt8>, Range<Int>) throws -> Void
    ) throws
}

extension JSONRowSource {
    func splices(
        in input: borrowing InputFile, plan: inout WriteBackPlan, idColumn: String, reading: RewriteInput
    ) throws -> [Splice] {
        var splices: [Splice] = []
        try forEachRowText(in: input, reading: reading) { text, range in
            if let edited = JSONRowEditor.edit(text, plan: &plan, idColumn: idColumn) {
                splices.append(Splice(range: range, bytes: edited))
            }
        }
        return splices
    }
}
