import NIOCore
import PostgresNIO
import UserSyncCore

/// Turns the rows of a source's query into source items, column by column, the way
/// `row_to_json` would: text as strings, numbers as their literals, booleans, `json`/`jsonb`
/// as JSON values, dates and timestamps as ISO 8601 strings (`timestamptz` in UTC), NULL as
/// null, anything else as its `to_json` form.
///
/// Not `row_to_json` on the server: it doubled the server's work per row (every value is
/// rendered, escaped into one JSON text, and parsed back here). Instead the select list asks
/// for the common types as they are (PostgresNIO reads results in binary format, which for
/// text and `json` is the UTF-8 itself and for `jsonb` a version byte before it) and wraps
/// only the rest in `to_json`. How each column is decoded is decided once, from the probe.
struct PostgresRowDecoder: Sendable {
    enum Decoding: Sendable, Equatable {
        /// text, varchar, char, name: the UTF-8 bytes.
        case text
        /// int2, int4, int8: big-endian two's complement.
        case integer
        /// numeric, selected `::text`: the literal (`NaN` and the infinities are strings, as in JSON).
        case numericText
        /// bool: one byte.
        case bool
        /// json, and any other type selected through `to_json`: JSON text.
        case json
        /// jsonb: version byte 1, then JSON text.
        case jsonb
        /// date: days since 2000-01-01.
        case date
        /// timestamp, timestamptz: microseconds since 2000-01-01 (UTC for timestamptz).
        case timestamp(utc: Bool)
    }

    struct Column: Sendable {
        let name: String
        let decoding: Decoding
    }

    let columns: [Column]
    /// The select list over the sub-select aliased `t`, one entry per column, in order.
    let selectList: String

    init(columns probed: [(name: String, type: PostgresDataType)]) {
        columns = probed.map { name, type in Column(name: name, decoding: Self.decoding(of: type) ?? .json) }
        let list = probed.map { name, type in
            let quoted = PostgresSession.quoted(name)
            switch Self.decoding(of: type) {
            case .numericText?: return "t.\(quoted)::text AS \(quoted)"
            case nil: return "to_json(t.\(quoted)) AS \(quoted)"
            default: return "t.\(quoted)"
            }
        }
        selectList = list.isEmpty ? "1" : list.joined(separator: ", ")
    }

    /// How a column of `type` is read; nil for the types selected through `to_json`.
    private static func decoding(of type: PostgresDataType) -> Decoding? {
        switch type {
        case .text, .varchar, .bpchar, .name: return .text
        case .int2, .int4, .int8: return .integer
        case .numeric: return .numericText
        case .bool: return .bool
        case .json: return .json
        case .jsonb: return .jsonb
        case .date: return .date
        case .timestamp: return .timestamp(utc: false)
        case .timestamptz: return .timestamp(utc: true)
        default: return nil
        }
    }

    func item(_ row: PostgresRow, at location: SourceLocation, reusing scratch: inout JSONParser.Scratch) -> SourceItem {
        var values: [String: JSONValue] = [:]
        values.reserveCapacity(columns.count)
        var index = 0
        for cell in row {
            guard index < columns.count else { break }
            let column = columns[index]
            index += 1
            guard let buffer = cell.bytes else {
                values[column.name] = .null
                continue
            }
            do {
                values[column.name] = try buffer.withUnsafeReadableBytes { (raw) throws(Failure) in
                    try Self.value(raw.bindMemory(to: UInt8.self), as: column.decoding, reusing: &scratch)
                }
            } catch {
                return .unreadable(location, .unparseable("column \"\(column.name)\": \(error.description)"))
            }
        }
        guard index == columns.count else {
            return .unreadable(location, .unparseable("the server sent \(index) of \(columns.count) columns"))
        }
        return .row(SourceRow(location: location, columns: values))
    }

    private struct Failure: Error {
        let description: String
    }

    private static func value(
        _ bytes: UnsafeBufferPointer<UInt8>, as decoding: Decoding, reusing scratch: inout JSONParser.Scratch
    ) throws(Failure) -> JSONValue {
        switch decoding {
        case .text:
            return .string(String(decoding: bytes, as: UTF8.self))
        case .integer:
            try expect(bytes.count == 2 || bytes.count == 4 || bytes.count == 8, bytes, "an integer")
            return .number(String(bigEndian(bytes)))
        case .numericText:
            let literal = String(decoding: bytes, as: UTF8.self)
            let special = literal == "NaN" || literal == "Infinity" || literal == "-Infinity"
            return special ? .string(literal) : .number(literal)
        case .bool:
            try expect(bytes.count == 1, bytes, "a boolean")
            return .bool(bytes[0] != 0)
        case .json:
            return try json(bytes, reusing: &scratch)
        case .date:
            try expect(bytes.count == 4, bytes, "a date")
            return .string(PostgresTimeText.date(Int32(truncatingIfNeeded: bigEndian(bytes))))
        case .timestamp(let utc):
            try expect(bytes.count == 8, bytes, "a timestamp")
            return .string(PostgresTimeText.timestamp(bigEndian(bytes), utc: utc))
        case .jsonb:
            guard bytes.first == 1 else { throw Failure(description: "jsonb in an unknown binary version") }
            return try json(UnsafeBufferPointer(rebasing: bytes.dropFirst()), reusing: &scratch)
        }
    }

    /// Throws unless `sizeIsRight`: the server sent `what` in a size its binary format never has.
    private static func expect(_ sizeIsRight: Bool, _ bytes: UnsafeBufferPointer<UInt8>, _ what: String) throws(Failure) {
        guard sizeIsRight else { throw Failure(description: "\(what) of \(bytes.count) bytes") }
    }

    /// Two's complement, big-endian, sign-extended (1…8 bytes).
    private static func bigEndian(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var value: Int64 = bytes[0] & 0x80 == 0 ? 0 : -1
        for byte in bytes { value = value << 8 | Int64(byte) }
        return value
    }

    private static func json(_ bytes: UnsafeBufferPointer<UInt8>, reusing scratch: inout JSONParser.Scratch) throws(Failure) -> JSONValue {
        do {
            return try JSONParser.parse(bytes, reusing: &scratch)
        } catch {
            throw Failure(description: error.description)
        }
    }
}
