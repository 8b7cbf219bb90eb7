import GRDB
import UserSyncCore

/// Operator actions on the outbox and the dead letters (`usersync queue ...`). Outbox items
/// and dead letters share one id sequence, so an id names exactly one item.
extension StateStore {
    public enum QueueActionResult: Sendable, Equatable {
        case notFound
        /// An outbox item was made due now.
        case rescheduled
        /// A dead letter went back into the outbox.
        case requeued
        /// The dead letter was obsolete: a newer change for the user is already queued.
        case superseded
        case dropped
    }

    /// Sends an item again: a dead letter goes back into the outbox with a fresh attempt
    /// count; a queued item becomes due now.
    public func retryItem(id: Int64, now: Double = StateStore.now()) throws(StoreError) -> QueueActionResult {
        try write { db in
            try db.execute(sql: "UPDATE outbox SET not_before = ?, state = 'pending', updated_at = ? WHERE id = ?", arguments: [now, now, id])
            if db.changesCount > 0 { return .rescheduled }
            return try Self.requeueDeadLetter(db, id: id, now: now)
        }
    }

    /// Puts every dead letter (of one provider, or all) back into the outbox.
    public func retryAllDead(provider: ProviderID? = nil, now: Double = StateStore.now()) throws(StoreError) -> Int {
        try write { db in
            var sql = "SELECT id FROM dead_letter"
            var arguments: StatementArguments = []
            if let provider { sql += " WHERE provider = ?"; arguments += [provider.rawValue] }
            let ids = try Int64.fetchAll(db, sql: sql, arguments: arguments)
            var requeued = 0
            for id in ids where try Self.requeueDeadLetter(db, id: id, now: now) == .requeued { requeued += 1 }
            return requeued
        }
    }

    /// Forgets a queued change or a dead letter. The user is planned again the next time
    /// the source is read and still differs from what the provider holds.
    public func dropItem(id: Int64) throws(StoreError) -> QueueActionResult {
        try write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            var dropped = db.changesCount
            try db.execute(sql: "DELETE FROM dead_letter WHERE id = ?", arguments: [id])
            dropped += db.changesCount
            if dropped > 0 {
                // Make the next cycle read the source even if it did not change.
                try db.execute(sql: "DELETE FROM meta WHERE key = 'source_fingerprint'")
            }
            return dropped > 0 ? .dropped : .notFound
        }
    }

    private static func requeueDeadLetter(_ db: Database, id: Int64, now: Double) throws -> QueueActionResult {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM dead_letter WHERE id = ?", arguments: [id]) else { return .notFound }
        try db.execute(sql: "DELETE FROM dead_letter WHERE id = ?", arguments: [id])
        let provider: String = row["provider"]
        let externalID: String = row["external_id"]
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM outbox WHERE provider = ? AND external_id = ?", arguments: [provider, externalID]) == true {
            return .superseded
        }
        // An operator's retry is a fresh start: a request stopped as a repeat may go once more.
        try db.execute(
            sql: "UPDATE remote_state SET last_request = NULL, request_repeats = 0 WHERE provider = ? AND external_id = ?",
            arguments: [provider, externalID])
        try db.execute(sql: """
            INSERT INTO outbox (id, provider, external_id, kind, document, digest, record, state, attempts, not_before, enqueued_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
            """, arguments: [id, provider, externalID, row["kind"], row["document"], row["digest"], row["record"], now, now, now])
        return .requeued
    }
}
