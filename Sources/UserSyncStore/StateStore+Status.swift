import GRDB
import UserSyncCore

/// One provider's queue at a glance (`usersync status`).
public struct QueueStats: Sendable, Equatable {
    public var queued = 0
    public var parked = 0
    public var heldForIdentity = 0
    public var retrying = 0
    public var deadLetters = 0
    public var oldestEnqueuedAt: Double?
    public var mappedUsers = 0
    public var confirmedUsers = 0
}

extension StateStore {
    public func queueStats(provider: ProviderID) throws(StoreError) -> QueueStats {
        try read { db in
            let p = provider.rawValue
            var stats = QueueStats()
            if let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS queued,
                       coalesce(sum(state = 'parked'), 0) AS parked,
                       coalesce(sum(state = 'identity'), 0) AS identity,
                       coalesce(sum(attempts > 0 AND state = 'pending'), 0) AS retrying,
                       min(enqueued_at) AS oldest
                FROM outbox WHERE provider = ?
                """, arguments: [p]) {
                stats.queued = row["queued"]
                stats.parked = row["parked"]
                stats.heldForIdentity = row["identity"]
                stats.retrying = row["retrying"]
                stats.oldestEnqueuedAt = row["oldest"]
            }
            stats.deadLetters = try Int.fetchOne(db, sql: "SELECT count(*) FROM dead_letter WHERE provider = ?", arguments: [p]) ?? 0
            stats.mappedUsers = try Int.fetchOne(db, sql: "SELECT count(*) FROM id_map WHERE provider = ?", arguments: [p]) ?? 0
            stats.confirmedUsers = try Int.fetchOne(db, sql: "SELECT count(*) FROM remote_state WHERE provider = ?", arguments: [p]) ?? 0
            return stats
        }
    }

    public func openConflictCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM conflict WHERE resolved_at IS NULL") ?? 0 }
    }
}
