/// `write_back: rewrite` edits the elements as the reader cuts them (`JSONArrayScanner`); a
/// file the reader refuses (not an array, text after it, truncated) is not rewritten.
extension JSONArraySource: JSONRowSource {
    func forEachRowText(
        in input: borrowing InputFile, reading: RewriteInput, _ body: (UnsafeBufferPointer<UInt8>, Range<Int>) throws -> Void
    ) throws {
        let limit = reading.maxItemBytes ?? Self.maxItemBytes
        try forEachElement(of: input, maxElementBytes: limit, chunkSize: reading.chunkSize) { event, _ in
            if case .element(let text, let range) = event { try body(text, range) }
        }
    }
}
