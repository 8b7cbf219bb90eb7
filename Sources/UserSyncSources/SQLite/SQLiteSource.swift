import GRDB
import UserSyncConfig
import UserSyncCore
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// A table, view or query of a SQLite database, read through a read-only connection.
///
/// A table is read for the columns the mapping names (every column when it is not known).
/// Every column becomes a value: TEXT a `.string`, INTEGER and REAL a `.number` with their
/// literal, NULL `.null`, a BLOB a `.string` when it is UTF-8 (else the row is unreadable).
/// The whole read runs in one read transaction, so it sees one consistent snapshot.
///
/// The source never writes: the connection is opened with SQLITE_OPEN_READONLY, a query must
/// be a single SELECT or WITH statement that SQLite itself deems read-only, and
/// `fingerprint()` does not even open the database.
public struct SQLiteSource: SchemaCheckingSource {
    static let kind = "sqlite"
    static let configSchema: any SourceConfigSchema.Type = SQLiteSourceSchema.self
    /// How long a read waits for a writer holding a lock before failing.
    static let busyTimeout: Double = 5

    public enum Selection: Sendable, Hashable {
        /// Every column of a table or view, by name.
        case table(String)
        /// A single read-only SELECT or WITH statement.
        case query(String)
    }

    public let path: String
    public let selection: Selection
    /// The columns a table is read for (`SourceOptions.columns`); nil: every column.
    public let columns: [String]?

    public init(path: String, table: String) throws(SourceError) {
        try self.init(options: SourceOptions(kind: Self.kind, path: path, table: table))
    }

    public init(path: String, query: String) throws(SourceError) {
        try self.init(options: SourceOptions(kind: Self.kind, path: path, query: query))
    }

    init(options: SourceOptions) throws(SourceError) {
        try options.validatePath()
        switch (options.table, options.query) {
        case (let table?, nil):
            if table.isEmpty || table.utf8.contains(0) {
                throw SourceError(.invalidOptions("the sqlite table name is empty or holds a NUL byte"), path: options.path)
            }
            selection = .table(table)
        case (nil, let query?):
            if let problem = SQLQueryGuard.problem(with: query) {
                throw SourceError(.queryRejected(problem), path: options.path)
            }
            selection = .query(query)
        case (nil, nil):
            throw SourceError(.invalidOptions("a sqlite source needs a table or a query"), path: options.path)
        case (_?, _?):
            throw SourceError(.invalidOptions("a sqlite source takes a table or a query, not both"), path: options.path)
        }
        path = options.path
        columns = options.columns
    }

    public var description: String {
        switch selection {
        case .table(let table): return "sqlite table \(table) in \(path)"
        case .query: return "sqlite query on \(path)"
        }
    }

    public func fingerprint() throws(SourceError) -> SourceFingerprint {
        let config: String
        switch selection {
        case .table(let table): config = SourceOptions.digest([Self.kind, path, "table", table])
        case .query(let query): config = SourceOptions.digest([Self.kind, path, "query", query])
        }
        return SourceFingerprint([("kind", Self.kind), ("config", config)] + (try SQLiteFingerprint.components(path: path)))
    }

    public func read(_ body: (SourceItem) throws -> Void) throws {
        try withDatabase { db in
            let statement = try prepare(db, columns: columns)
            try Self.stream(statement, db: db, body)
        }
    }

    /// Throws `missingColumn` for the first of `columns` the table or query does not return.
    public func checkColumns(_ columns: [String]) throws(SourceError) {
        do {
            try withDatabase { db in
                let returned = try prepare(db, columns: nil).columnNames
                if let missing = columns.first(where: { !returned.contains($0) }) {
                    throw SourceError(.missingColumn(missing, available: returned), path: path)
                }
            }
        } catch let error as SourceError {
            throw error
        } catch {
            throw SourceError(.database("\(error)"), path: path)
        }
    }

    /// Runs `work` in one read transaction of a read-only connection.
    private func withDatabase(_ work: (Database) throws -> Void) throws {
        // Opening the file first gives the operator the system's words for a missing or
        // unreadable file, and keeps SQLite from ever being asked to create one.
        _ = try InputFile(path: path)

        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "usersync source"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.read { db in try work(db) }
        } catch let error as CallerError {
            throw error.wrapped
        } catch let error as SourceError {
            throw error
        } catch let error as DatabaseError {
            throw SourceError(.database(Self.message(error)), path: path)
        }
    }

    /// - Parameter columns: for a table, the columns to select (each must exist, spelled as
    ///   the table spells it: a mapped column dropped or renamed stops the read, where reading
    ///   on without it would clear that field for every user); nil: every column.
    private func prepare(_ db: Database, columns: [String]?) throws -> Statement {
        let sql: String
        switch selection {
        case .table(let table):
            let names = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
            guard let found = names.first(where: { $0 == table }) ?? names.first(where: { $0.lowercased() == table.lowercased() }) else {
                throw SourceError(.unknownTable(table, available: names.filter { !$0.hasPrefix("sqlite_") }), path: path)
            }
            if let columns {
                let available = try db.columns(in: found).map(\.name)
                if let missing = columns.first(where: { !available.contains($0) }) {
                    throw SourceError(.missingColumn(missing, available: available), path: path)
                }
            }
            let list = columns.map { $0.map(Self.quoted).joined(separator: ", ") } ?? "*"
            sql = "SELECT \(list) FROM \(Self.quoted(found))"
        case .query(let query):
            sql = query
        }
        let statement: Statement
        do {
            statement = try db.makeStatement(sql: sql)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_MISUSE {
            throw SourceError(.queryRejected("it holds more than one statement"), path: path)
        }
        guard statement.isReadonly else {
            throw SourceError(.queryRejected("SQLite reports that it writes to the database"), path: path)
        }
        var seen: Set<String> = []
        for name in statement.columnNames where !seen.insert(name).inserted {
            throw SourceError(
                .invalidContent("the query returns two columns named \"\(name)\"; give them distinct names with AS"),
                path: path)
        }
        return statement
    }

    /// Steps through the statement, reading each column with the C API: that keeps the
    /// storage class exact and lets TEXT with bytes that are not UTF-8 be reported rather
    /// than silently repaired.
    private static func stream(_ statement: Statement, db: Database, _ body: (SourceItem) throws -> Void) throws {
        let names = statement.columnNames
        let handle = statement.sqliteStatement
        let cursor = try Row.fetchCursor(statement)
        var number = 0
        while try cursor.next() != nil {
            number += 1
            let location = SourceLocation(.row, number)
            var columns: [String: JSONValue] = Dictionary(minimumCapacity: names.count)
            var readable = true
            for index in 0..<names.count {
                guard let value = value(handle, Int32(index)) else {
                    readable = false
                    break
                }
                columns[names[index]] = value
            }
            let item: SourceItem = readable ? .row(SourceRow(location: location, columns: columns)) : .unreadable(location, .invalidUTF8)
            do {
                try body(item)
            } catch {
                throw CallerError(wrapped: error)
            }
        }
    }

    /// The column as a JSON value; nil when it is TEXT or a BLOB that is not UTF-8.
    private static func value(_ handle: SQLiteStatement, _ index: Int32) -> JSONValue? {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL:
            return .null
        case SQLITE_INTEGER:
            return .number(String(sqlite3_column_int64(handle, index)))
        case SQLITE_FLOAT:
            let double = sqlite3_column_double(handle, index)
            // JSON has no literal for infinity or NaN: keep them as text.
            return double.isFinite ? .number(double.description) : .string(double.description)
        case SQLITE_TEXT:
            // The bytes as stored (UTF-8 databases) or converted to UTF-8; call order matters.
            let text = sqlite3_column_text(handle, index)
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let text, count > 0 else { return .string("") }
            return UTF8Text.string(UnsafeBufferPointer(start: text, count: count)).map(JSONValue.string)
        default:
            let blob = sqlite3_column_blob(handle, index)
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let blob, count > 0 else { return .string("") }
            let bytes = UnsafeBufferPointer(start: blob.assumingMemoryBound(to: UInt8.self), count: count)
            return UTF8Text.string(bytes).map(JSONValue.string)
        }
    }

    /// `name` as an SQL identifier: in double quotes, inner double quotes doubled.
    static func quoted(_ name: String) -> String {
        var result = "\""
        for character in name {
            if character == "\"" { result += "\"\"" } else { result.append(character) }
        }
        return result + "\""
    }

    private static func message(_ error: DatabaseError) -> String {
        var text = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        if error.resultCode == .SQLITE_BUSY {
            text += " (a writer kept the database locked for more than \(Int(busyTimeout)) seconds)"
        } else if error.resultCode == .SQLITE_NOTADB {
            text += " (is it a SQLite database?)"
        }
        return text
    }
}

/// An error thrown by the caller's `body`, carried through GRDB untouched so that it is not
/// mistaken for a database error of the source.
private struct CallerError: Error {
    let wrapped: any Error
}
