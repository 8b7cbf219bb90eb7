import UserSyncConfig
import UserSyncCore

/// A JSON Lines file: one JSON object per line.
///
/// The hot path of the daemon. The file is read in 1 MiB chunks, split with `memchr`, and
/// each line is parsed by `JSONParser` straight from the chunk's bytes. Blank lines are
/// skipped but counted, so locations match what an editor shows.
public struct JSONLSource: FileSource {
    static let kind = "jsonl"
    static let configSchema: any SourceConfigSchema.Type = JSONLSourceSchema.self

    let file: SourceFile

    public var description: String { "jsonl file \(path)" }

    func readSequentially(_ body: (SourceItem) throws -> Void) throws {
        var scratch = JSONParser.Scratch()
        try readSettled { input, requireUnchanged in
            try LineReader.forEachLine(in: input, maxLineBytes: Self.maxItemBytes, endOfFile: requireUnchanged) { line, number in
                switch line {
                case .bytes(let bytes, _):
                    if LineReader.isBlank(bytes) { return }
                    try body(JSONRowDecoder.item(bytes, at: SourceLocation(.line, number), reusing: &scratch))
                case .tooLong:
                    try body(.unreadable(
                        SourceLocation(.line, number),
                        .unparseable("line is longer than \(Self.maxItemBytes >> 20) MiB")))
                }
            }
        }
    }
}
