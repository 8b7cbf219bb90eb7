import GRDB
import UserSyncCore

/// Users a provider does not have yet ("parked", awaiting creation): they are looked up again
/// on the provider's `missing_recheck_interval`, all due ones in one batch.
extension StateStore {
    /// Every parked item of one provider, oldest first (at most `limit`): the users looked up
    /// together when any of them is due.
    public func parkedItems(provider: ProviderID, limit: Int) throws(StoreError) -> [OutboxItem] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE provider = ? AND state = 'parked' ORDER BY not_before, id LIMIT ?",
                arguments: [provider.rawValue, limit]
            ).map(Self.outboxItem)
        }
    }

    /// Brings re-checks planned further out than `latest` forward to it (the interval was
    /// shortened, or a state from a version that re-checked hourly). Returns how many moved.
    @discardableResult
    public func clampParkedRecheck(provider: ProviderID, latest: Double) throws(StoreError) -> Int {
        try write { db in
            try db.execute(
                sql: "UPDATE outbox SET not_before = ? WHERE provider = ? AND state = 'parked' AND not_before > ?",
                arguments: [latest, provider.rawValue, latest])
            return db.changesCount
        }
    }

    /// `usersync queue retry --parked`: every parked user (of one provider, or all) is
    /// looked up again at the next dispatch. Returns how many.
    public func recheckParkedNow(provider: ProviderID? = nil, now: Double = StateStore.now()) throws(StoreError) -> Int {
        try write { db in
            var sql = "UPDATE outbox SET not_before = ?, updated_at = ? WHERE state = 'parked'"
            var arguments: StatementArguments = [now, now]
            if let provider { sql += " AND provider = ?"; arguments += [provider.rawValue] }
            try db.execute(sql: sql, arguments: arguments)
            return db.changesCount
        }
    }

    /// When the next parked user of this provider is looked up again (nil: none parked).
    public func nextParkedRecheck(provider: ProviderID) throws(StoreError) -> Double? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT min(not_before) FROM outbox WHERE provider = ? AND state = 'parked'", arguments: [provider.rawValue])
        }
    }
}
