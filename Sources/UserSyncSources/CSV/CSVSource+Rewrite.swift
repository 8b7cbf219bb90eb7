import UserSyncCore

/// `write_back: rewrite` for CSV: the rows as the reader cuts and reads them (`CSVParser`),
/// and in the rows of users with changes only the cells of the changed columns.
///
/// A new cell is quoted (RFC 4180: inner quotes doubled) when it holds the delimiter, a
/// quote, CR or LF, or when the cell it replaces was quoted. A removed value is an empty
/// cell. Metadata cells hold JSON text, edited with `JSONObjectEditor` (blank means `{}`).
extension CSVSource: RewritableSource {
    func splices(
        in input: borrowing InputFile, plan: inout WriteBackPlan, idColumn: String, reading: RewriteInput
    ) throws -> [Splice] {
        var splices: [Splice] = []
        var columns: [String: Int] = [:]
        let limit = reading.maxItemBytes ?? Self.maxItemBytes
        try forEachRow(of: input, maxRowBytes: limit, chunkSize: reading.chunkSize) { row, header in
            guard case .row(let read) = Self.item(row, number: 0, header: header),
                  let id = RowID.of(read.columns[idColumn]),
                  let edits = plan.edits(for: id)
            else { return }
            if columns.isEmpty { columns = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) }) }
            // New text per column, later edits seeing earlier ones.
            var cells: [Int: String] = [:]
            for edit in edits {
                guard let index = columns[edit.target.column] else {
                    plan.record(edit, .skipped(.columnMissing(edit.target.column)))
                    continue
                }
                switch edit.target {
                case .column, .metadata:
                    cells[index] = edit.change.newValue.map(Self.cellText) ?? ""
                case .metadataKey(let column, let key):
                    guard let current = cells[index] ?? read.columns[column]?.stringValue,
                          let edited = JSONObjectEditor.editing(objectText: current, key: key, value: edit.change.newValue)
                    else {
                        plan.record(edit, .skipped(.metadataNotObject))
                        continue
                    }
                    cells[index] = edited
                }
                plan.record(edit, .applied)
            }
            for (index, text) in cells.sorted(by: { $0.key < $1.key }) where text != read.columns[header[index]]?.stringValue {
                splices.append(Splice(range: row.fields.rawRange(index), bytes: cell(text, quoted: row.fields.isQuoted(index))))
            }
        }
        return splices
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

    private func cell(_ text: String, quoted: Bool) -> [UInt8] {
        let quote = UInt8(ascii: "\"")
        guard quoted || text.utf8.contains(where: { $0 == delimiter || $0 == quote || $0 == 0x0A || $0 == 0x0D }) else {
            return Array(text.utf8)
        }
        var bytes = [quote]
        for byte in text.utf8 {
            if byte == quote { bytes.append(quote) }
            bytes.append(byte)
        }
        bytes.append(quote)
        return bytes
    }
}
