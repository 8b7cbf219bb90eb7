import Foundation
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
    /// queued ones; each provider's rows come from one read transaction.
    public func forEachSnapshotDigest(
        providers: [ProviderID], _ body: (_ providerIndex: Int, _ externalID: String, _ digest: DocumentDigest) -> Void
    ) throws(StoreError) {
        guard let first = providers.first else { return }
        // Scanning is most of the cost (a provider's rows sit among their documents), and it
        // comes before the source is read, with a core to spare: the later providers are read
        // meanwhile on a second connection and thread, held in memory (24 bytes a user), and
        // delivered after the first provider's rows.
        let later = providers.count > 1 ? BackgroundSnapshotRead(path: path, providers: Array(providers.dropFirst())) : nil
        let firstResult = Result { () throws(StoreError) in
            try read { db in try Self.stream(db, provider: first) { id, digest in body(0, id, digest) } }
        }
        // Waited for even when the first read failed: no work outlives this call.
        let laterResult = later?.wait() ?? .success([])
        try firstResult.get()
        for (offset, rows) in try laterResult.get().enumerated() {
            for (id, digest) in zip(rows.ids, rows.digests) { body(offset + 1, id, DocumentDigest(storageValue: digest)) }
        }
    }

    /// `forEachSnapshotDigest(providers:)` for the given users only (an incremental plan):
    /// one read transaction, one statement per table and provider, and the same order (for
    /// each provider and user, the confirmed digest before the dead and the queued ones).
    public func snapshotDigests(
        providers: [ProviderID], externalIDs: [String],
        _ body: (_ providerIndex: Int, _ externalID: String, _ digest: DocumentDigest) -> Void
    ) throws(StoreError) {
        try read { db in
            for (slot, provider) in providers.enumerated() {
                for table in Self.snapshotTables {
                    let filter = table.filter.isEmpty ? "" : " AND " + table.filter
                    let statement = try db.makeStatement(
                        sql: "SELECT external_id, digest FROM \(table.name) WHERE provider = ? AND external_id = ?\(filter)")
                    for id in externalIDs {
                        try Self.forEachDigest(statement, arguments: [provider.rawValue, id]) { id, digest, _ in body(slot, id, digest) }
                    }
                }
            }
        }
    }

    /// Confirmed, then dead, then queued: a later digest for the same user wins.
    private static let snapshotTables: [(name: String, filter: String)] = [
        ("remote_state", ""), ("dead_letter", ""), ("outbox", "kind != 'remove'"),
    ]

    /// One provider's rows of every snapshot table, in `snapshotTables` order.
    fileprivate static func stream(_ db: Database, provider: ProviderID, _ body: (String, DocumentDigest) -> Void) throws {
        for table in snapshotTables {
            let filter = table.filter.isEmpty ? "" : " AND " + table.filter
            let statement = try db.makeStatement(sql: "SELECT external_id, digest FROM \(table.name) WHERE provider = ?\(filter)")
            try forEachDigest(statement, arguments: [provider.rawValue]) { id, digest, _ in body(id, digest) }
        }
    }

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

    /// `remoteDocument` for many users of one provider: one read transaction, one prepared
    /// statement. Users the provider holds nothing for are absent from the result.
    public func remoteDocuments(provider: ProviderID, externalIDs: [String]) throws(StoreError) -> [String: JSONValue] {
        try read { db in
            let statement = try db.makeStatement(sql: "SELECT document FROM remote_state WHERE provider = ? AND external_id = ?")
            var documents: [String: JSONValue] = [:]
            for id in externalIDs {
                if let text = try String.fetchOne(statement, arguments: [provider.rawValue, id]) { documents[id] = Self.decode(text) }
            }
            return documents
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

/// Reads providers' snapshot rows on a thread of its own, through a read-only connection of
/// its own (so the store's connection stays free for the first provider).
private final class BackgroundSnapshotRead: @unchecked Sendable {
    struct Rows {
        var ids: [String] = []
        var digests: [Int64] = []
    }

    private let done = DispatchSemaphore(value: 0)
    /// Written by the thread before it signals `done`; read only after `wait`.
    private var result: Result<[Rows], StoreError> = .success([])

    init(path: String, providers: [ProviderID]) {
        let thread = Thread { [self] in
            result = Self.read(path: path, providers: providers)
            done.signal()
        }
        thread.name = "usersync snapshot reader"
        thread.start()
    }

    func wait() -> Result<[Rows], StoreError> {
        done.wait()
        return result
    }

    private static func read(path: String, providers: [ProviderID]) -> Result<[Rows], StoreError> {
        do {
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(10)
            let connection = try DatabaseQueue(path: path, configuration: config)
            return .success(try connection.read { db in
                try providers.map { provider in
                    var rows = Rows()
                    try StateStore.stream(db, provider: provider) { id, digest in
                        rows.ids.append(id)
                        rows.digests.append(digest.storageValue)
                    }
                    return rows
                }
            })
        } catch {
            return .failure(StoreError(path: path, "read failed: \(error)"))
        }
    }
}
