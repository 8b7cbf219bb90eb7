import PostgresNIO
import UserSyncCore

/// Writes accepted remote changes into the PostgreSQL table the source reads.
///
/// Each `apply` opens its own connection and runs the whole batch in one short
/// `READ COMMITTED` transaction with `lock_timeout` (and `statement_timeout`): per user,
/// `SELECT … FOR UPDATE` of its row (found by the external id column), then one
/// `UPDATE <table> SET <changed columns> WHERE <id> = $1` — only the mapped columns that
/// changed, every value bound as a parameter and cast to the column's type. A metadata key
/// is edited on the object read under the row lock and the whole object written back (a
/// JSON/JSONB column, or text holding JSON). Nothing else runs inside the transaction: no
/// network call but the database's, so a lock is held for milliseconds.
///
/// A row lock held by the application past `lock_timeout` fails the whole batch (nothing
/// applied): the engine keeps every change and retries next cycle, so none is lost.
///
/// Skipped, not errors: a field with no column, a column the table lacks, a user no row
/// holds (or several rows hold), a metadata column that does not hold a JSON object.
public struct PostgresTableWriteBack: SourceWriteBack {
    public let table: String
    public let mapping: FieldMapping
    public let options: PostgresSourceOptions

    public init(table: String, mapping: FieldMapping, options: PostgresSourceOptions) throws(SourceError) {
        if table.isEmpty || table.utf8.contains(0) {
            throw SourceError(.invalidOptions("the postgres table name is empty or holds a NUL byte"), path: options.url.description)
        }
        if mapping.externalID.isEmpty {
            throw SourceError(.invalidOptions("the external id column is empty"), path: options.url.description)
        }
        self.table = table
        self.mapping = mapping
        self.options = options
    }

    public var description: String { "postgres table \(table) in \(options.url)" }

    @discardableResult
    public func apply(_ changes: [FieldChange]) throws(SourceError) -> WriteBackResult {
        let plan = WriteBackPlan(changes, mapping: mapping)
        guard !plan.isEmpty else { return plan.result }
        let writer = PostgresRowWriter(table: table, mapping: mapping, options: options)
        do {
            return try BlockingBridge.run { try await writer.write(plan) }
        } catch let error as SourceError {
            throw error
        } catch {
            var message = PostgresSession.message(error)
            if PostgresSession.sqlState(error) == "55P03" || PostgresSession.sqlState(error) == "57014" {
                message += "; the changes are kept for the next cycle"
            }
            throw SourceError(.cannotWrite(message), path: options.url.description)
        }
    }
}

/// The transaction of one `PostgresTableWriteBack.apply`, on the bridge's thread.
struct PostgresRowWriter: Sendable {
    let table: String
    let mapping: FieldMapping
    let options: PostgresSourceOptions

    func write(_ plan: WriteBackPlan) async throws -> WriteBackResult {
        var plan = plan
        let connection = try await PostgresSession.connect(options)
        do {
            try await PostgresSession.execute(connection, "BEGIN ISOLATION LEVEL READ COMMITTED")
            try await PostgresSession.execute(connection, "SET LOCAL lock_timeout = \(max(1, Int(options.lockTimeout * 1000)))")
            let timeout = max(0, Int(options.statementTimeout * 1000))
            try await PostgresSession.execute(connection, "SET LOCAL statement_timeout = \(timeout)")
            try await write(&plan, connection)
            try await PostgresSession.execute(connection, "COMMIT")
            try? await connection.close()
            return plan.result
        } catch {
            try? await connection.close()  // the server rolls back the open transaction
            throw error
        }
    }

    private func write(_ plan: inout WriteBackPlan, _ connection: PostgresConnection) async throws {
        let quotedTable = PostgresSession.quotedTable(table)
        // Column name → SQL type, as the catalog spells it (for the casts).
        let types = Dictionary(try await PostgresSession.columns(of: table, connection), uniquingKeysWith: { first, _ in first })
        if types.isEmpty {
            throw SourceError(.cannotWrite("the table \(table) does not exist (or usersync may not see it)"), path: options.url.description)
        }
        let ids = plan.externalIDs.sorted { (plan.edits(for: $0)?.first?.index ?? 0) < (plan.edits(for: $1)?.first?.index ?? 0) }
        guard let idType = types[mapping.externalID] else {
            for id in ids { plan.recordAll(id, .skipped(.columnMissing(mapping.externalID))) }
            return
        }
        let idColumn = PostgresSession.quoted(mapping.externalID)
        let predicate = "\(idColumn) = CAST($1 AS \(idType))"
        for id in ids {
            guard let edits = plan.edits(for: id) else { continue }
            // The row, locked for the few statements that follow; its metadata as text.
            var select = PostgresBindings()
            select.append(id)
            let metadataColumn = mapping.metadata.flatMap { types[$0] != nil ? $0 : nil }
            let metadataSQL = metadataColumn.map { "\(PostgresSession.quoted($0))::text" } ?? "NULL::text"
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT \(metadataSQL) FROM \(quotedTable) WHERE \(predicate) FOR UPDATE", binds: select),
                logger: PostgresSession.quietLogger)
            var found: [String?] = []
            for try await (text) in rows.decode((String?).self) { found.append(text) }
            if found.count != 1 {
                plan.recordAll(id, .skipped(found.isEmpty ? .userNotFound : .duplicateUser))
                continue
            }
            var metadata = Self.object(found[0])
            var metadataTouched = false
            var assignments: [(column: String, value: String?)] = []
            func assign(_ column: String, _ value: String?) {
                if let slot = assignments.firstIndex(where: { $0.column == column }) {
                    assignments[slot].value = value
                } else {
                    assignments.append((column, value))
                }
            }
            var applied: [WriteBackPlan.Edit] = []
            for edit in edits {
                guard types[edit.target.column] != nil else {
                    plan.record(edit, .skipped(.columnMissing(edit.target.column)))
                    continue
                }
                switch edit.target {
                case .column(let column):
                    assign(column, Self.text(edit.change.newValue))
                    applied.append(edit)
                case .metadata:
                    if let value = edit.change.newValue, !value.isNull {
                        guard case .object(let object) = value else {
                            plan.record(edit, .skipped(.metadataNotObject))
                            continue
                        }
                        metadata = object
                    } else {
                        metadata = [:]
                    }
                    metadataTouched = true
                    applied.append(edit)
                case .metadataKey(_, let key):
                    guard var object = metadata else {
                        plan.record(edit, .skipped(.metadataNotObject))
                        continue
                    }
                    object[key] = edit.change.newValue
                    metadata = object
                    metadataTouched = true
                    applied.append(edit)
                }
            }
            if metadataTouched, let column = metadataColumn, let metadata {
                assign(column, JSONValue.object(metadata).canonicalText)
            }
            if !assignments.isEmpty {
                var update = PostgresBindings()
                update.append(id)
                var set: [String] = []
                for (offset, assignment) in assignments.enumerated() {
                    if let value = assignment.value { update.append(value) } else { update.appendNull() }
                    set.append("\(PostgresSession.quoted(assignment.column)) = CAST($\(offset + 2) AS \(types[assignment.column]!))")
                }
                let sql = "UPDATE \(quotedTable) SET \(set.joined(separator: ", ")) WHERE \(predicate)"
                let result = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: update), logger: PostgresSession.quietLogger)
                for try await _ in result {}
            }
            for edit in applied { plan.record(edit, .applied) }
        }
    }

    /// The metadata column's text as an object: `{}` for NULL or blank, nil when it holds
    /// something else than a JSON object.
    static func object(_ text: String?) -> [String: JSONValue]? {
        guard let text, !text.allSatisfy(\.isWhitespace) else { return [:] }
        guard let parsed = try? JSONParser.parse(text), case .object(let object) = parsed else { return nil }
        return object
    }

    /// A value for a plain column: text as text, numbers by their literal, objects and arrays
    /// as JSON text, null or removed as NULL.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case nil, .null?: return nil
        case .array?, .object?: return value!.canonicalText
        case let scalar?: return scalar.scalarText ?? ""
        }
    }
}
