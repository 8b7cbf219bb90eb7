import UserSyncConfig
import UserSyncCore

/// A JSON file holding one array of objects: `[ {...}, {...} ]`, streamed element by
/// element (`JSONArrayScanner`) without loading the file.
///
/// A bad element is reported unreadable and the stream goes on with the next one. A file
/// that is not an array, or that ends before the array closes, is a `SourceError`.
public struct JSONArraySource: FileSource {
    static let kind = "json"
    static let configSchema: any SourceConfigSchema.Type = JSONArraySourceSchema.self

    let file: SourceFile

    public var description: String { "json array file \(path)" }

    func readSequentially(_ body: (SourceItem) throws -> Void) throws {
        try readSettled { input, requireUnchanged in
            try forEachElement(of: input, maxElementBytes: Self.maxItemBytes) { event, location in
                switch event {
                case .element(let element, _):
                    try body(JSONRowDecoder.item(element, at: location))
                case .empty:
                    try body(.unreadable(location, .unparseable("empty element (two commas in a row?)")))
                case .tooLong:
                    try body(.unreadable(
                        location, .unparseable("element is longer than \(Self.maxItemBytes >> 20) MiB")))
                }
            } atEnd: {
                // A last element without a line terminator is only trusted from a settled file.
                try requireUnchanged()
            }
        }
    }

    /// Cuts the array in `input` into elements, for the reader and for `write_back: rewrite`;
    /// `atEnd` runs once the whole file is read, before the array is checked for its end.
    func forEachElement(
        of input: borrowing InputFile, maxElementBytes: Int, chunkSize: Int = InputFile.chunkSize,
        _ body: (JSONArrayScanner.Event, SourceLocation) throws -> Void, atEnd: () throws -> Void = {}
    ) throws {
        let bom = try input.byteOrderMarkLength()
        var scanner = JSONArrayScanner(path: path, maxElementBytes: maxElementBytes, startOffset: bom)
        try input.forEachChunk(from: bom, size: chunkSize) { chunk in try scanner.scan(chunk, body) }
        try atEnd()
        try scanner.finish()
    }
}
