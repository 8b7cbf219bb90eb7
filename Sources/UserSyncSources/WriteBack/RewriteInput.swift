/// How a rewrite reads the original: in chunks of `chunkSize` bytes, holding at most
/// `maxItemBytes` of one line, element or row (longer ones are copied through unedited,
/// as the readers report them unreadable). Tests shrink both to exercise the seams.
struct RewriteInput {
    var chunkSize = InputFile.chunkSize
    /// Nil: each format's reader limit.
    var maxItemBytes: Int?

    /// Copies a UTF-8 byte order mark at the start of `input` to `output`; returns how many
    /// bytes it took (0 or 3), for `forEachChunk(of:skipping:_:)`.
    func copyBOM(of input: borrowing InputFile, to output: inout OutputFile) throws -> Int {
        let head = try input.bytes(at: 0, count: 3)
        guard head == [0xEF, 0xBB, 0xBF] else { return 0 }
        try output.write(head)
        return 3
    }

    /// Calls `body` with each chunk of `input` after its first `skip` bytes.
    func forEachChunk(
        of input: borrowing InputFile, skipping skip: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var skip = skip
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try input.read(into: buffer)
            if count == 0 { return }
            var chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count]).assumingMemoryBound(to: UInt8.self)
            if skip > 0 {
                let dropped = min(skip, chunk.count)
                chunk = UnsafeBufferPointer(rebasing: chunk[dropped...])
                skip -= dropped
            }
            try body(chunk)
        }
    }
}
