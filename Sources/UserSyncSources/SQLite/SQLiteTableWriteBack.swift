#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB
import UserSyncCore

/// Writes accepted remote changes into the SQLite table the source reads, in place.
///
/// Each `apply` opens its own read-write connection (the reader's is read-only), sets the
/// busy timeout, and runs the whole batch in one short `BEGIN IMMEDIATE` transaction: the
/// application that owns the database may be writing at the same time, and then `apply`
/// waits up to `busyTimeout` for its write lock, and throws past it (nothing applied; the
/// caller retries next cycle). Nothing is cached between calls, and the connection is
/// closed before `apply` returns.
///
/// Per user (found by its external id column, compared as stored and, failing that, as
/// trimmed text like the reader does), one `UPDATE <table> SET <col> = ?, … WHERE <id> = ?`
/// sets only the mapped columns that changed; a removed value is NULL. A metadata key is
/// set with `json_set(<doc>, '$."key"', json(?))` or removed with `json_remove(<doc>,
/// '$."key"')`, where `<doc>` is the column, `{}` when NULL or blank, and the path a bound
/// parameter. A key SQLite's JSON paths cannot name exactly (holding `"`, `\` or a control
/// character, or written with escapes in the stored text, which SQLite 3.40 compares
/// without decoding), or held in a BLOB, is set by editing the column's text instead
/// (`JSONObjectEditor`, which keeps the rest of the text as it is), within the same
/// transaction. No other row or column is touched.
///
/// Skipped, not errors: a field with no column, a column the table lacks, a user no row
/// holds (or several rows hold), a metadata column that is not a JSON object.
public struct SQLiteTableWriteBack: SourceWriteBack {
    public let path: String
    public let table: String
    public let mapping: FieldMapping
    /// Seconds to wait for another connection's lock.
    public let busyTimeout: Double

    public init(path: String, table: String, mapping: FieldMapping, busyTimeout: Double = 5) throws(SourceError) {
        if path.isEmpty { throw SourceError(.invalidOptions("the sqlite source has an empty path"), path: nil) }
        if table.isEmpty || table.utf8.contains(0) {
            throw SourceError(.invalidOptions("the sqlite table name is empty or holds a NUL byte"), path: path)
        }
        if mapping.externalID.isEmpty {
            throw SourceError(.invalidOptions("the external id column is empty"), path: path)
        }
        guard busyTimeout.isFinite, busyTimeout >= 0 else {
            throw SourceError(.invalidOptions("the busy timeout must be a number of seconds ≥ 0"), path: path)
        }
        self.path = path
        self.table = table
        self.mapping = mapping
        self.busyTimeout = busyTimeout
    }

    public var description: String { "sqlite table \(table) in \(path)" }

    @discardableResult
    public func apply(_ changes: [FieldChange]) throws(SourceError) -> WriteBackResult {
        var plan = WriteBackPlan(changes, mapping: mapping)
        guard !plan.isEmpty else { return plan.result }
        // Never let SQLite create a database that is not there.
        guard access(path, F_OK) == 0 else { throw SourceError(.cannotOpen(errno: errno), path: path) }

        var configuration = Configuration()
        configuration.readonly = false
        configuration.busyMode = .timeout(busyTimeout)
        // SQLite's own default: the application's schema decides, not this connection.
        configuration.foreignKeysEnabled = false
        configuration.label = "usersync write-back"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try queue.inDatabase { db in
                try db.inTransaction(.immediate) {
                    try write(&plan, db)
                    return .commit
                }
            }
        } catch let error as SourceError {
            throw error
        } catch let error as DatabaseError {
            throw SourceError(.cannotWrite(message(error)), path: path)
        } catch {
            throw SourceError(.cannotWrite("\(error)"), path: path)
        }
        return plan.result
    }

    // MARK: - Inside the transaction

    private func write(_ plan: inout WriteBackPlan, _ db: Database) throws {
        let table = try resolveTable(db)
        let quotedTable = SQLiteSource.quoted(table)
        // Column names are case-insensitive in SQLite.
        var columns: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_xinfo(?)", arguments: [table]) {
            let name: String = row["name"]
            columns[name.lowercased()] = name
        }
        let ids = plan.externalIDs.sorted { (plan.edits(for: $0)?.first?.index ?? 0) < (plan.edits(for: $1)?.first?.index ?? 0) }
        guard let idColumn = columns[mapping.externalID.lowercased()] else {
            for id in ids { plan.recordAll(id, .skipped(.columnMissing(mapping.externalID))) }
            return
        }
        let quotedID = SQLiteSource.quoted(idColumn)
        let exact = "\(quotedID) = ?"
        let asText = "trim(CAST(\(quotedID) AS TEXT), char(32, 9, 10, 13)) = ?"
        for id in ids {
            guard let edits = plan.edits(for: id) else { continue }
            // The row, found as the reader would find it.
            var predicate = exact
            var count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(quotedTable) WHERE \(exact)", arguments: [id]) ?? 0
            if count == 0 {
                predicate = asText
                count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(quotedTable) WHERE \(asText)", arguments: [id]) ?? 0
            }
            if count != 1 {
                plan.recordAll(id, .skipped(count == 0 ? .userNotFound : .duplicateUser))
                continue
            }
            // Plain columns: one UPDATE, the last change of a column winning.
            var assignments: [(column: String, value: DatabaseValue)] = []
            var applied: [WriteBackPlan.Edit] = []
            for edit in edits {
                guard let column = columns[edit.target.column.lowercased()] else {
                    plan.record(edit, .skipped(.columnMissing(edit.target.column)))
                    continue
                }
                switch edit.target {
                case .column:
                    let value = Self.databaseValue(edit.change.newValue)
                    if let slot = assignments.firstIndex(where: { $0.column == column }) {
                        assignments[slot].value = value
                    } else {
                        assignments.append((column, value))
                    }
                    applied.append(edit)
                case .metadata:
                    let value: DatabaseValue = edit.change.newValue.flatMap { $0.isNull ? nil : $0.canonicalText.databaseValue } ?? .null
                    // Ordered with the key edits of the same column: applied in turn below.
                    try db.execute(
                        sql: "UPDATE \(quotedTable) SET \(SQLiteSource.quoted(column)) = ? WHERE \(predicate)",
                        arguments: [value, id])
                    plan.record(edit, .applied)
                case .metadataKey(_, let key):
                    if try setMetadataKey(key, to: edit.change.newValue, column: column, table: quotedTable, predicate: predicate, id: id, db) {
                        plan.record(edit, .applied)
                    } else {
                        plan.record(edit, .skipped(.metadataNotObject))
                    }
                }
            }
            if !assignments.isEmpty {
                let set = assignments.map { "\(SQLiteSource.quoted($0.column)) = ?" }.joined(separator: ", ")
                var arguments = StatementArguments(assignments.map(\.value))
                arguments += [id]
                try db.execute(sql: "UPDATE \(quotedTable) SET \(set) WHERE \(predicate)", arguments: arguments)
                for edit in applied { plan.record(edit, .applied) }
            }
        }
    }

    /// Sets or removes one metadata key of the user's row; false when the column does not
    /// hold a JSON object (or JSON text SQLite can read).
    private func setMetadataKey(
        _ key: String, to value: JSONValue?, column: String, table: String, predicate: String, id: String, _ db: Database
    ) throws -> Bool {
        let quoted = SQLiteSource.quoted(column)
        let row = try Row.fetchOne(
            db, sql: "SELECT typeof(\(quoted)) AS storage, \(quoted) AS value FROM \(table) WHERE \(predicate)", arguments: [id])
        let storage: String = row?["storage"] ?? "null"
        let current: String? = row?["value"]
        let text = current ?? ""
        let blank = text.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let object = JSONObjectEditor(blank ? Array("{}".utf8) : Array(text.utf8)) else { return false }

        // SQLite 3.40's JSON functions refuse BLOBs: JSON text stored as one is edited as text.
        if Self.isPathSafe(key) && object.holdsKeyLiterally(key) && storage != "blob" {
            let document = "CASE WHEN trim(coalesce(\(quoted), ''), char(32, 9, 10, 13)) = '' THEN '{}' ELSE \(quoted) END"
            let path = "$.\"\(key)\""
            if let value {
                try db.execute(
                    sql: "UPDATE \(table) SET \(quoted) = json_set(\(document), ?, json(?)) WHERE \(predicate)",
                    arguments: [path, value.canonicalText, id])
            } else {
                if blank { return true }  // nothing to remove, and no reason to turn NULL into '{}'
                try db.execute(
                    sql: "UPDATE \(table) SET \(quoted) = json_remove(\(document), ?) WHERE \(predicate)",
                    arguments: [path, id])
            }
            return true
        }
        guard let edited = JSONObjectEditor.editing(objectText: blank ? "{}" : text, key: key, value: value) else { return false }
        if value == nil && blank { return true }
        try db.execute(sql: "UPDATE \(table) SET \(quoted) = ? WHERE \(predicate)", arguments: [edited, id])
        return true
    }

    /// A key that SQLite's `$."key"` path names exactly: its path parser stops at the first
    /// `"`, and it copies the key into JSON text unescaped.
    static func isPathSafe(_ key: String) -> Bool {
        !key.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    }

    /// The table's name as the schema spells it (matched like the reader: exactly, else
    /// ignoring case).
    private func resolveTable(_ db: Database) throws -> String {
        let names = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        guard let found = names.first(where: { $0 == table }) ?? names.first(where: { $0.lowercased() == table.lowercased() }) else {
            throw SourceError(.unknownTable(table, available: names.filter { !$0.hasPrefix("sqlite_") }), path: path)
        }
        return found
    }

    /// A value for a plain column: text as text, numbers by their literal (the column's
    /// affinity converts), objects and arrays as JSON text, null or removed as NULL.
    static func databaseValue(_ value: JSONValue?) -> DatabaseValue {
        switch value {
        case nil, .null?: return .null
        case .array?, .object?: return value!.canonicalText.databaseValue
        case let scalar?: return (scalar.scalarText ?? "").databaseValue
        }
    }

    private func message(_ error: DatabaseError) -> String {
        var text = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            text += " (another connection held the database locked for more than \(busyTimeout) seconds; the changes are kept for the next cycle)"
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            text += " (usersync needs write access to the database file and its directory)"
        case .SQLITE_NOTADB:
            text += " (is it a SQLite database?)"
        default:
            break
        }
        return text
    }
}
