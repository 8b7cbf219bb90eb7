import UserSyncCore

/// A JSON file holding one array of objects: `[ {...}, {...} ]`, streamed element by
/// element (`JSONArrayScanner`) without loading the file.
///
/// A bad element is reported unreadable and the stream goes on with the next one. A file
/// that is not an array, or that ends before the array closes, is a `SourceError`.
public struct JSONArraySource: FileSource {
    static let kind = "json"
    /// A longer element is reported unreadable without being held in memory.
    static let maxElementBytes = 16 << 20

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

    public var description: String { "json array file \(path)" }

    func readSequentially(_ body: (SourceItem) throws -> Void) throws {
        let file = try InputFile(path: path)
        let start = try file.status()
        try settle.requireSettled(start)
        let hasBOM = try file.bytes(at: 0, count: 3) == [0xEF, 0xBB, 0xBF]
        var scanner = JSONArrayScanner(path: path, maxElementBytes: Self.maxElementBytes)
        var skip = hasBOM ? 3 : 0
        try file.forEachChunk { chunk in
            var bytes = chunk.assumingMemoryBound(to: UInt8.self)
            if skip > 0 {
                let dropped = min(skip, bytes.count)
                bytes = UnsafeBufferPointer(rebasing: bytes[dropped...])
                skip -= dropped
            }
            try scanner.scan(bytes) { event, location in
                switch event {
                case .element(let element):
                    try body(JSONRowDecoder.item(element, at: location))
                case .empty:
                    try body(.unreadable(location, .unparseable("empty element (two commas in a row?)")))
                case .tooLong:
                    try body(.unreadable(
                        location, .unparseable("element is longer than \(Self.maxElementBytes >> 20) MiB")))
                }
            }
        }
        // A last row without a line terminator is only trusted from a settled file.
        try settle.requireUnchanged(since: start, file)
        try scanner.finish()
    }
}
