/// `write_back: rewrite` edits the lines as the reader cuts them (`LineReader`).
extension JSONLSource: JSONRowSource {
    func forEachRowText(
        in input: borrowing InputFile, reading: RewriteInput, _ body: (UnsafeBufferPointer<UInt8>, Range<Int>) throws -> Void
    ) throws {
        let limit = reading.maxItemBytes ?? Self.maxItemBytes
        try LineReader.forEachLine(in: input, maxLineBytes: limit, readSize: reading.chunkSize) { line, _ in
            if case .bytes(let text, let offset) = line { try body(text, offset..<(offset + text.count)) }
        }
    }
}
