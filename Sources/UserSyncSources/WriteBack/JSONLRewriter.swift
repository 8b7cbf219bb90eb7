import UserSyncCore

/// `write_back: rewrite` for JSON Lines: only the lines of users with changes are
/// re-written (and within them only the edited members, see `JSONObjectEditor`); every
/// other byte — other lines, blank lines, unparseable lines, CRLF endings, a byte order
/// mark, a missing final newline — is copied as it is.
enum JSONLRewriter {
    static func transform(
        _ input: borrowing InputFile, _ output: inout OutputFile, plan: inout WriteBackPlan, idColumn: String,
        reading: RewriteInput
    ) throws -> Bool {
        var modified = false
        var splitter = RawLineSplitter(maxLineBytes: reading.maxItemBytes ?? JSONLSource.maxLineBytes)
        func handle(_ piece: RawLineSplitter.Piece) throws {
            switch piece {
            case .passthrough(let bytes):
                try output.write(bytes)
            case .line(let line):
                var end = line.count
                if end > 0, line[end - 1] == 0x0A { end -= 1 }
                if end > 0, line[end - 1] == 0x0D { end -= 1 }
                let content = UnsafeBufferPointer(rebasing: line[0..<end])
                if let edited = edit(content, plan: &plan, idColumn: idColumn) {
                    modified = true
                    try output.write(edited)
                    try output.write(UnsafeBufferPointer(rebasing: line[end...]))
                } else {
                    try output.write(line)
                }
            }
        }
        let bom = try reading.copyBOM(of: input, to: &output)
        try reading.forEachChunk(of: input, skipping: bom) { chunk in
            try splitter.feed(chunk, handle)
        }
        try splitter.finish(handle)
        try output.flush()
        return modified
    }

    /// The edited text of one row object, or nil when it stays as it is.
    static func edit(_ content: UnsafeBufferPointer<UInt8>, plan: inout WriteBackPlan, idColumn: String) -> [UInt8]? {
        guard !content.isEmpty,
              case .object(let columns)? = try? JSONParser.parse(content),
              let id = RowID.of(columns[idColumn]),
              let edits = plan.edits(for: id),
              var editor = JSONObjectEditor(Array(content))
        else { return nil }
        JSONRowEditor.apply(edits, to: &editor, plan: &plan)
        return editor.bytes.elementsEqual(content) ? nil : editor.bytes
    }
}
