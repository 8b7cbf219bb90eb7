import UserSyncConfig
import UserSyncCore

/// A CSV file (RFC 4180) whose first row names the columns. Every value is a `.string`
/// (an empty field is `""`); rows are numbered from 1 after the header, and carry the line
/// they start on, since quoted fields may span lines.
///
/// A row with more or fewer fields than the header, an unterminated quote, or bytes that
/// are not UTF-8 is reported unreadable; the rows after it are still read.
public struct CSVSource: FileSource {
    static let kind = "csv"
    static let configSchema: any SourceConfigSchema.Type = CSVSourceSchema.self

    public let delimiter: UInt8
    let file: SourceFile

    public init(path: String, delimiter: UInt8) throws(SourceError) {
        try self.init(options: SourceOptions(kind: Self.kind, path: path, csvDelimiter: delimiter))
    }

    init(file: SourceFile) throws(SourceError) {
        let delimiter = file.options.csvDelimiter
        if delimiter >= 0x80 || delimiter == UInt8(ascii: "\"") || delimiter == 0x0A || delimiter == 0x0D {
            throw SourceError(
                .invalidOptions("the CSV delimiter must be one ASCII character other than '\"', CR and LF, got \(CSVParser.show(delimiter))"),
                path: file.options.path)
        }
        self.file = file
        self.delimiter = delimiter
    }

    var fingerprintOptions: [String] { [String(delimiter)] }

    public var description: String {
        delimiter == UInt8(ascii: ",") ? "csv file \(path)" : "csv file \(path) (delimiter \(CSVParser.show(delimiter)))"
    }

    func readSequentially(_ body: (SourceItem) throws -> Void) throws {
        try readSettled { input, requireUnchanged in
            var rowNumber = 0
            try forEachRow(of: input, maxRowBytes: Self.maxItemBytes) { row, header in
                rowNumber += 1
                try body(Self.item(row, number: rowNumber, header: header))
            } atEnd: {
                // A last row without a line terminator is only trusted from a settled file.
                try requireUnchanged()
            }
        }
    }

    /// Cuts `input` into rows, for the reader and for `write_back: rewrite`: the header row is
    /// checked and handed over with every row after it. `atEnd` runs once the whole file is
    /// read, before a last row without a line terminator is delivered.
    func forEachRow(
        of input: borrowing InputFile, maxRowBytes: Int, chunkSize: Int = InputFile.chunkSize,
        _ body: (CSVParser.Row, _ header: [String]) throws -> Void, atEnd: () throws -> Void = {}
    ) throws {
        let bom = try input.byteOrderMarkLength()
        var parser = CSVParser(delimiter: delimiter, maxRowBytes: maxRowBytes, startOffset: bom)
        var header: [String]?
        func handle(_ row: CSVParser.Row) throws {
            guard let names = header else {
                header = try self.header(from: row)
                return
            }
            try body(row, names)
        }
        try input.forEachChunk(from: bom, size: chunkSize) { chunk in try parser.parse(chunk, handle) }
        try atEnd()
        try parser.finish(handle)
        if header == nil {
            throw SourceError(.invalidContent("has no CSV header row (the file is empty)"), path: path)
        }
    }

    private func header(from row: CSVParser.Row) throws(SourceError) -> [String] {
        if let problem = row.problem {
            throw SourceError(.invalidContent("the CSV header row (line \(row.line)) does not parse: \(problem)"), path: path)
        }
        var names: [String] = []
        var seen: Set<String> = []
        for index in 0..<row.fields.count {
            guard let name = UTF8Text.string(row.fields[index]) else {
                throw SourceError(.invalidContent("the CSV header row (line \(row.line)) is not valid UTF-8"), path: path)
            }
            guard seen.insert(name).inserted else {
                throw SourceError(
                    .invalidContent("the CSV header row (line \(row.line)) names column \"\(name)\" twice"), path: path)
            }
            names.append(name)
        }
        return names
    }

    static func item(_ row: CSVParser.Row, number: Int, header: [String]) -> SourceItem {
        let location = SourceLocation(.row, number, line: row.line)
        if let problem = row.problem {
            return .unreadable(location, .unparseable(problem))
        }
        let fields = row.fields
        guard fields.count == header.count else {
            return .unreadable(
                location,
                .unparseable("CSV row has \(fields.count) field\(fields.count == 1 ? "" : "s"), header has \(header.count)"))
        }
        var columns: [String: JSONValue] = Dictionary(minimumCapacity: header.count)
        for index in 0..<fields.count {
            guard let text = UTF8Text.string(fields[index]) else {
                return .unreadable(location, .invalidUTF8)
            }
            columns[header[index]] = .string(text)
        }
        return .row(SourceRow(location: location, columns: columns))
    }
}
