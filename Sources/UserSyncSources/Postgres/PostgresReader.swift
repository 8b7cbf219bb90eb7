import NIOCore
import PostgresNIO
import UserSyncCore

/// The row handler's state, used only on the connection's event loop while the caller
/// waits for the query to finish.
private final class RowState: @unchecked Sendable {
    private let decoder: PostgresRowDecoder
    private let body: (SourceItem) throws -> Void
    private var number = 0
    private var scratch = JSONParser.Scratch()

    init(_ decoder: PostgresRowDecoder, _ body: @escaping (SourceItem) throws -> Void) {
        self.decoder = decoder
        self.body = body
    }

    func consume(_ row: PostgresRow) throws {
        number += 1
        let item = decoder.item(row, at: SourceLocation(.row, number), reusing: &scratch)
        do { try body(item) } catch { throw PostgresCallerError(wrapped: error) }
    }
}

/// One read of a `PostgresSource`, on its own connection: probe the columns, take the
/// watermark, stream the rows. Runs on `BlockingBridge`'s thread.
struct PostgresReader: Sendable {
    let source: PostgresSource
    /// Columns that must exist (the mapping's, for `check`); the change column always must.
    let required: [String]

    private var path: String { source.path }

    /// The columns named to the server when reading a table: the mapped ones, the required ones
    /// and the change column. Nil for a query, or when the mapping is not known (every column).
    private var wanted: [String]? {
        guard case .table = source.selection, let columns = source.columns else { return nil }
        var seen = Set<String>()
        return (columns + required + [source.options.changeColumn].compactMap { $0 }).filter { seen.insert($0).inserted }
    }

    private var innerSQL: String { source.innerSQL(columns: wanted) }

    /// Column types a change column may have.
    private static let timeTypes: Set<PostgresDataType> = [.timestamptz, .timestamp, .date]
    private static let numberTypes: Set<PostgresDataType> = [.int8, .int4, .int2, .numeric]

    func probeOnly() async throws {
        try await withTransaction { connection in _ = try await probe(connection) }
    }

    func read(since watermark: String?, _ body: @escaping (SourceItem) throws -> Void) async throws -> String? {
        try await withTransaction { connection in
            let probed = try await probe(connection)
            let changeType = probed.changeType
            var newWatermark: String?
            var filter = ""
            if let column = source.options.changeColumn, let changeType {
                let quoted = PostgresSession.quoted(column)
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT max(t.\(quoted))::text FROM (\(innerSQL)) AS t"),
                    logger: PostgresSession.quietLogger)
                for try await row in rows { newWatermark = try row.decode(String?.self) }
                if let watermark {
                    let overlap = source.options.changeOverlap
                    if Self.timeTypes.contains(changeType) {
                        filter = " WHERE t.\(quoted) > \(PostgresSession.literal(watermark))::timestamptz"
                            + " - make_interval(secs => \(overlap))"
                    } else {
                        filter = " WHERE t.\(quoted) > \(PostgresSession.literal(watermark))::numeric - \(Int(overlap))"
                    }
                }
            }
            // Only the columns the mapping reads: a column nobody maps would cost the server
            // its rendering, the socket its bytes and this side its decoding, on every row.
            let mapped = source.columns.map(Set.init)
            let decoder = PostgresRowDecoder(columns: probed.columns.filter { mapped?.contains($0.name) ?? true })
            let sql = "SELECT \(decoder.selectList) FROM (\(innerSQL)) AS t\(filter)"
            // Rows are decoded and handed to `body` on the connection's event loop (`body` only
            // queues them for the caller's thread): the loop reads no more from the socket
            // until `body` returns, which waits while the queue is full (backpressure), and
            // demand is renewed within the same tick. (PostgresNIO's async row sequence renews
            // it later, from the consumer's thread, and its state machine traps when the
            // server closes the connection in that window: a restart must be an error, not a crash.)
            let state = RowState(decoder, body)
            try await connection.query(sql, onRow: { row in try state.consume(row) }).get()
            return newWatermark
        }
    }

    /// Opens a connection, runs `work` in a read-only repeatable-read transaction, closes.
    private func withTransaction<T: Sendable>(_ work: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresSession.connect(source.options)
        do {
            try await PostgresSession.execute(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            let timeout = Int(source.options.statementTimeout * 1000)
            try await PostgresSession.execute(connection, "SET LOCAL statement_timeout = \(max(timeout, 0))")
            let result = try await work(connection)
            try await PostgresSession.execute(connection, "COMMIT")
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The result's columns in order, and the change column's type when there is one.
    private struct Probe {
        var columns: [(name: String, type: PostgresDataType)]
        var changeType: PostgresDataType?
    }

    /// Checks the result's columns: distinct names, the required ones present, a change
    /// column of a usable type.
    private func probe(_ connection: PostgresConnection) async throws -> Probe {
        if let wanted, case .table(let table) = source.selection {
            try await requireColumns(wanted, of: table, connection)
        }
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT * FROM (\(innerSQL)) AS t LIMIT 0"), logger: PostgresSession.quietLogger)
        var types: [String: PostgresDataType] = [:]
        var order: [(name: String, type: PostgresDataType)] = []
        for column in rows.columns {
            if types[column.name] != nil {
                throw SourceError(
                    .invalidContent("the query returns two columns named \"\(column.name)\"; give them distinct names with AS"),
                    path: path)
            }
            types[column.name] = column.dataType
            order.append((column.name, column.dataType))
        }
        for try await _ in rows {}
        var needed = required
        if let change = source.options.changeColumn { needed.append(change) }
        for column in needed where types[column] == nil {
            throw SourceError(.missingColumn(column, available: order.map(\.name)), path: path)
        }
        guard let change = source.options.changeColumn, let type = types[change] else { return Probe(columns: order) }
        guard Self.timeTypes.contains(type) || Self.numberTypes.contains(type) else {
            throw SourceError(
                .invalidOptions("source.change_column \"\(change)\" must be a timestamptz or bigint column, it is \(type)"),
                path: path)
        }
        return Probe(columns: order, changeType: type)
    }

    /// Throws `missingColumn` for the first of `columns` the table lacks, from the catalog
    /// (which needs no privilege on the table): a mapped column dropped or renamed stops the
    /// read, where reading on without it would clear that field for every user. A table the
    /// catalog does not show is left to the read's own error.
    private func requireColumns(_ columns: [String], of table: String, _ connection: PostgresConnection) async throws {
        let available = try await PostgresSession.columns(of: table, connection).map(\.name)
        guard !available.isEmpty, let missing = columns.first(where: { !available.contains($0) }) else { return }
        throw SourceError(.missingColumn(missing, available: available), path: path)
    }
}
