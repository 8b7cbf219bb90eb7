import GRDB
import UserSyncCore
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

extension StateStore {
    /// Streams, per (provider, user), the digest the planner must compare with: what is
    /// queued in the outbox (latest desired) or else what the provider last confirmed.
    /// Dead letters count too, so a rejected document is not re-sent until the source changes.
    public func forEachSnapshotDigest(_ body: (ProviderID, String, DocumentDigest) -> Void) throws(StoreError) {
        try read { db in
            for table in Self.snapshotTables {
                let statement = try db.makeStatement(sql: "SELECT external_id, digest, provider FROM \(table.name)\(table.filter.isEmpty ? "" : " WHERE " + table.filter)")
                try Self.forEachDigest(statement, arguments: []) { id, digest, handle in
                    body(ProviderID(rawValue: Self.text(handle, 2)), id, digest)
                }
            }
        }
    }

    /// `forEachSnapshotDigest` for the given providers only, one provider after another, with
    /// the provider's position in `providers`: what the planner needs, read the fastest way
    /// (the primary key's provider prefix, no row objects, no provider string per row).
    /// For each (provider, user) the confirmed digest still comes before the dead and the
    /// queued ones, all from one read transaction.
    public func forEachSnapshotDigest(
        providers: [ProviderID], _ body: (_ providerIndex: Int, _ externalID: String, _ digest: DocumentDigest) -> Void
    ) throws(StoreError) {
        try read { db in
            for (providerIndex, provider) in providers.enumerated() {
                for table in Self.snapshotTables {
                    let filter = table.filter.isEmpty ? "" : " AND " + table.filter
                    let statement = try db.makeStatement(sql: "SELECT external_id, digest FROM \(table.name) WHERE provider = ?\(filter)")
                    try Self.forEachDigest(statement, arguments: [provider.rawValue]) { id, digest, _ in body(providerIndex, id, digest) }
                }
            }
        }
    }

    /// Confirmed, then dead, then queued: a later digest for the same user wins.
    private static let snapshotTables: [(name: String, filter: String)] = [
        ("remote_state", ""), ("dead_letter", ""), ("outbox", "kind != 'remove'"),
    ]

    /// Steps a statement whose first two columns are `external_id` and `digest`.
    private static func forEachDigest(
        _ statement: Statement, arguments: StatementArguments, _ body: (String, DocumentDigest, SQLiteStatement) -> Void
    ) throws {
        let handle = statement.sqliteStatement
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        while try cursor.next() != nil {
            body(text(handle, 0), DocumentDigest(storageValue: sqlite3_column_int64(handle, 1)), handle)
        }
    }

    /// A TEXT column as a String (the state database is UTF-8, written by us).
    private static func text(_ handle: SQLiteStatement, _ column: Int32) -> String {
        // `sqlite3_column_text` before `sqlite3_column_bytes`, as SQLite documents.
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    /// What a provider was last confirmed to hold for a user.
    public func remoteDocument(provider: ProviderID, externalID: String) throws(StoreError) -> JSONValue? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT document FROM remote_state WHERE provider = ? AND external_id = ?",
                arguments: [provider.rawValue, externalID]
            ).map(Self.decode)
        }
    }

    public func remoteStateCount(provider: ProviderID) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM remote_state WHERE provider = ?", arguments: [provider.rawValue]) ?? 0
        }
    }

    /// The source fingerprint of the last fully planned cycle (lets an unchanged source cost nothing).
    public func sourceFingerprint() throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'source_fingerprint'") }
    }

    public func setSourceFingerprint(_ value: String?) throws(StoreError) {
        try write { db in
            if let value {
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('source_fingerprint', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [value])
            } else {
                try db.execute(sql: "DELETE FROM meta WHERE key = 'source_fingerprint'")
            }
        }
    }
}

extension StateStore {
    /// Records documents as confirmed at their providers without sending anything. For
    /// benchmarks and tests that need a snapshot of a given size; the engine never calls it.
    public func recordConfirmed(_ changes: [PlannedChange], now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO remote_state (provider, external_id, provider_user_id, document, digest, confirmed_at)
                VALUES (?, ?, NULL, ?, ?, ?)
                """)
            for change in changes {
                guard let document = change.document, let digest = change.digest else { continue }
                try statement.execute(arguments: [change.provider.rawValue, change.externalID, Self.encode(document), digest.storageValue, now])
            }
        }
    }
}
