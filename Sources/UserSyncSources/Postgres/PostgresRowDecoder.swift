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
        var columns: [Column] = []
        var list: [String] = []
        for (name, type) in probed {
            let quoted = PostgresSession.quoted(name)
            let decoding: Decoding
            switch type {
            case .text, .varchar, .bpchar, .name:
                decoding = .text
                list.append("t.\(quoted)")
            case .int2, .int4, .int8:
                decoding = .integer
                list.append("t.\(quoted)")
            case .numeric:
                decoding = .numericText
                list.append("t.\(quoted)::text AS \(quoted)")
            case .bool:
                decoding = .bool
                list.append("t.\(quoted)")
            case .json:
                decoding = .json
                list.append("t.\(quoted)")
            case .jsonb:
                decoding = .jsonb
                list.append("t.\(quoted)")
            case .date:
                decoding = .date
                list.append("t.\(quoted)")
            case .timestamp, .timestamptz:
                decoding = .timestamp(utc: type == .timestamptz)
                list.append("t.\(quoted)")
            default:
                decoding = .json
                list.append("to_json(t.\(quoted)) AS \(quoted)")
            }
            columns.append(Column(name: name, decoding: decoding))
        }
        self.columns = columns
        selectList = list.isEmpty ? "1" : list.joined(separator: ", ")
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
            let decoded = buffer.withUnsafeReadableBytes { raw in
                Self.value(raw.bindMemory(to: UInt8.self), as: column.decoding, reusing: &scratch)
            }
            switch decoded {
            case .success(let value): values[column.name] = value
            case .failure(let reason): return .unreadable(location, .unparseable("column \"\(column.name)\": \(reason)"))
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
    ) -> Result<JSONValue, Failure> {
        switch decoding {
        case .text:
            return .success(.string(String(decoding: bytes, as: UTF8.self)))
        case .integer:
            guard bytes.count == 2 || bytes.count == 4 || bytes.count == 8 else { return .failure(Failure(description: "an integer of \(bytes.count) bytes")) }
            return .success(.number(String(bigEndian(bytes))))
        case .numericText:
            let literal = String(decoding: bytes, as: UTF8.self)
            let special = literal == "NaN" || literal == "Infinity" || literal == "-Infinity"
            return .success(special ? .string(literal) : .number(literal))
        case .bool:
            guard bytes.count == 1 else { return .failure(Failure(description: "a boolean of \(bytes.count) bytes")) }
            return .success(.bool(bytes[0] != 0))
        case .json:
            return json(bytes, reusing: &scratch)
        case .date:
            guard bytes.count == 4 else { return .failure(Failure(description: "a date of \(bytes.count) bytes")) }
            return .success(.string(PostgresTimeText.date(Int32(truncatingIfNeeded: bigEndian(bytes)))))
        case .timestamp(let utc):
            guard bytes.count == 8 else { return .failure(Failure(description: "a timestamp of \(bytes.count) bytes")) }
            return .success(.string(PostgresTimeText.timestamp(bigEndian(bytes), utc: utc)))
        case .jsonb:
            guard bytes.first == 1 else { return .failure(Failure(description: "jsonb in an unknown binary version")) }
            return json(UnsafeBufferPointer(rebasing: bytes.dropFirst()), reusing: &scratch)
        }
    }

    /// Two's complement, big-endian, sign-extended (1…8 bytes).
    private static func bigEndian(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var value: Int64 = bytes[0] & 0x80 == 0 ? 0 : -1
        for byte in bytes { value = value << 8 | Int64(byte) }
        return value
    }

    private static func json(_ bytes: UnsafeBufferPointer<UInt8>, reusing scratch: inout JSONParser.Scratch) -> Result<JSONValue, Failure> {
        do {
            return .success(try JSONParser.parse(bytes, reusing: &scratch))
        } catch {
            return .failure(Failure(description: error.description))
        }
    }
}
