import UserSyncCore

/// `write_back: rewrite` for CSV: in the rows of users with changes, only the cells of the
/// changed columns are replaced; every other byte of the file — other rows, other cells and
/// their quoting, line endings, a byte order mark — is copied as it is.
///
/// A new cell is quoted (RFC 4180: inner quotes doubled) when it holds the delimiter, a
/// quote, CR or LF, or when the cell it replaces was quoted. A removed value is an empty
/// cell. Metadata cells hold JSON text, edited with `JSONObjectEditor` (blank means `{}`).
/// Rows the reader would reject (a field count that differs from the header's, a quoting
/// problem) are never edited.
struct CSVRewriter {
    let path: String
    let delimiter: UInt8
    let idColumn: String
    private var header: [String]?
    private var columnIndex: [String: Int] = [:]
    private(set) var modified = false

    init(path: String, delimiter: UInt8, idColumn: String) {
        self.path = path
        self.delimiter = delimiter
        self.idColumn = idColumn
    }

    static func transform(
        _ input: borrowing InputFile, _ output: inout OutputFile, plan: inout WriteBackPlan,
        idColumn: String, delimiter: UInt8, path: String, reading: RewriteInput
    ) throws -> Bool {
        var rewriter = CSVRewriter(path: path, delimiter: delimiter, idColumn: idColumn)
        var scanner = CSVRawRowScanner(delimiter: delimiter, maxRowBytes: reading.maxItemBytes ?? CSVSource.maxRowBytes)
        func emit(_ row: CSVRawRowScanner.Row) throws {
            try rewriter.handle(row, plan: &plan, output: &output)
        }
        func spill(_ bytes: [UInt8]) throws {
            try output.write(bytes)
        }
        let bom = try reading.copyBOM(of: input, to: &output)
        try reading.forEachChunk(of: input, skipping: bom) { chunk in
            try scanner.feed(chunk, emit: emit, spill: spill)
        }
        try scanner.finish(emit: emit)
        if rewriter.header == nil {
            throw SourceError(.invalidContent("has no CSV header row (the file is empty); it is not rewritten"), path: path)
        }
        try output.flush()
        return rewriter.modified
    }

    private mutating func handle(_ row: CSVRawRowScanner.Row, plan: inout WriteBackPlan, output: inout OutputFile) throws {
        guard row.hasContent, !row.untrusted else {
            if header == nil && row.hasContent {
                throw SourceError(.invalidContent("the CSV header row does not parse; the file is not rewritten"), path: path)
            }
            try output.write(row.bytes)
            return
        }
        guard let header else {
            var names: [String] = []
            for field in row.fields {
                guard let name = Self.decode(row.bytes[field]) else {
                    throw SourceError(.invalidContent("the CSV header row is not valid UTF-8; the file is not rewritten"), path: path)
                }
                names.append(name)
            }
            self.header = names
            for (index, name) in names.enumerated() where columnIndex[name] == nil {
                columnIndex[name] = index
            }
            try output.write(row.bytes)
            return
        }
        guard row.fields.count == header.count,
              let idIndex = columnIndex[idColumn],
              let idText = Self.decode(row.bytes[row.fields[idIndex]]),
              let id = RowID.of(.string(idText)),
              let edits = plan.edits(for: id)
        else {
            try output.write(row.bytes)
            return
        }
        // New text per column index, later edits seeing earlier ones.
        var cells: [Int: String] = [:]
        for edit in edits {
            guard let index = columnIndex[edit.target.column] else {
                plan.record(edit, .skipped(.columnMissing(edit.target.column)))
                continue
            }
            let newValue = edit.change.newValue
            switch edit.target {
            case .column, .metadata:
                cells[index] = newValue.map(Self.cellText) ?? ""
            case .metadataKey(_, let key):
                guard let current = cells[index] ?? Self.decode(row.bytes[row.fields[index]]),
                      let edited = JSONObjectEditor.editing(objectText: current, key: key, value: newValue)
                else {
                    plan.record(edit, .skipped(.metadataNotObject))
                    continue
                }
                cells[index] = edited
            }
            plan.record(edit, .applied)
        }
        guard !cells.isEmpty else {
            try output.write(row.bytes)
            return
        }
        var edited: [UInt8] = []
        edited.reserveCapacity(row.bytes.count + 64)
        var copied = 0
        for (index, field) in row.fields.enumerated() {
            guard let text = cells[index] else { continue }
            edited.append(contentsOf: row.bytes[copied..<field.lowerBound])
            let wasQuoted = field.lowerBound < field.upperBound && row.bytes[field.lowerBound] == UInt8(ascii: "\"")
            appendCell(text, quoted: wasQuoted, to: &edited)
            copied = field.upperBound
        }
        edited.append(contentsOf: row.bytes[copied...])
        if edited != row.bytes { modified = true }
        try output.write(edited)
    }

    /// A value as cell text: text as it is, numbers by their literal, objects and arrays as
    /// JSON, null as an empty cell.
    static func cellText(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .array, .object: return value.canonicalText
        default: return value.scalarText ?? ""
        }
    }

    private func appendCell(_ text: String, quoted: Bool, to out: inout [UInt8]) {
        let quote = UInt8(ascii: "\"")
        let needsQuotes = quoted || text.utf8.contains { $0 == delimiter || $0 == quote || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            out.append(contentsOf: text.utf8)
            return
        }
        out.append(quote)
        for byte in text.utf8 {
            if byte == quote { out.append(quote) }
            out.append(byte)
        }
        out.append(quote)
    }

    /// A field's value: quotes removed and `""` undone for a quoted field. Nil when it is not
    /// UTF-8.
    static func decode(_ raw: ArraySlice<UInt8>) -> String? {
        let quote = UInt8(ascii: "\"")
        guard let first = raw.first, first == quote else {
            return Array(raw).withUnsafeBufferPointer { UTF8Text.string($0) }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex + 1
        let end = raw.last == quote && raw.count >= 2 ? raw.endIndex - 1 : raw.endIndex
        while index < end {
            let byte = raw[index]
            bytes.append(byte)
            index += byte == quote ? 2 : 1
        }
        return bytes.withUnsafeBufferPointer { UTF8Text.string($0) }
    }
}
