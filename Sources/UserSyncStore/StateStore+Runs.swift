import GRDB
import UserSyncCore

/// One cycle in the run history.
public struct RunRecord: Sendable, Hashable {
    public let id: Int64
    public let startedAt: Double
    public let finishedAt: Double
    public let mode: String
    /// The cycle's counts as a JSON object (kept as a document so new counts need no migration).
    public let summary: JSONValue
}

extension StateStore {
    @discardableResult
    public func recordRun(startedAt: Double, finishedAt: Double, mode: String, summary: JSONValue) throws(StoreError) -> Int64 {
        try write { db in
            try db.execute(
                sql: "INSERT INTO run (started_at, finished_at, mode, summary) VALUES (?, ?, ?, ?)",
                arguments: [startedAt, finishedAt, mode, Self.encode(summary)])
            // The history is for operators, not an archive: keep the last thousand cycles.
            try db.execute(sql: "DELETE FROM run WHERE id <= (SELECT max(id) FROM run) - 1000")
            return db.lastInsertedRowID
        }
    }

    public func recentRuns(limit: Int = 10) throws(StoreError) -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.runRecord)
        }
    }

    /// The last cycle that read the source (not one that found it unchanged or still being
    /// written): what a quiet service last did, however many idle cycles came after it.
    public func lastSourceRead() throws(StoreError) -> RunRecord? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM run
                WHERE coalesce(json_extract(summary, '$.source_unchanged'), 0) = 0
                  AND coalesce(json_extract(summary, '$.source_being_written'), 0) = 0
                ORDER BY id DESC LIMIT 1
                """).map(Self.runRecord)
        }
    }

    private static func runRecord(_ row: Row) -> RunRecord {
        RunRecord(
            id: row["id"], startedAt: row["started_at"], finishedAt: row["finished_at"], mode: row["mode"],
            summary: decode(row["summary"]))
    }
}
