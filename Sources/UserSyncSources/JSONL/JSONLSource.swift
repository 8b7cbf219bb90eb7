import UserSyncCore

/// A JSON Lines file: one JSON object per line.
///
/// The hot path of the daemon. The file is read in 1 MiB chunks, split with `memchr`, and
/// each line is parsed by `JSONParser` straight from the chunk's bytes. Blank lines are
/// skipped but counted, so locations match what an editor shows.
public struct JSONLSource: FileSource {
    static let kind = "jsonl"
    /// A longer line is reported unreadable without being held in memory.
    static let maxLineBytes = 16 << 20

    public let path: String
    let fingerprinter = FileFingerprinter()
    let settle: SettleRule

    public init(path: String) throws(SourceError) {
        try self.init(options: SourceOptions(kind: Self.kind, path: path))
    }

    init(options: SourceOptions) throws(SourceError) {
        try options.validateFileOptions()
        path = options.path
        settle = SettleRule(path: options.path, settleTime: options.settleTime)
    }

    public var description: String { "jsonl file \(path)" }

    func readSequentially(_ body: (SourceItem) throws -> Void) throws {
        let file = try InputFile(path: path)
        let start = try file.status()
        try settle.requireSettled(start)
        var scratch = JSONParser.Scratch()
        try LineReader.forEachLine(
            in: file, maxLineBytes: Self.maxLineBytes, endOfFile: { try settle.requireUnchanged(since: start, file) }
        ) { line, number in
            switch line {
            case .bytes(let bytes):
                if LineReader.isBlank(bytes) { return }
                try body(JSONRowDecoder.item(bytes, at: SourceLocation(.line, number), reusing: &scratch))
            case .tooLong:
                try body(.unreadable(
                    SourceLocation(.line, number),
                    .unparseable("line is longer than \(Self.maxLineBytes >> 20) MiB")))
            }
        }
    }
}
