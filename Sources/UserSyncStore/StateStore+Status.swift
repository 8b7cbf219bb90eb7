import GRDB
import UserSyncCore

/// One provider's queue at a glance (`usersync status`, each cycle's summary). Every outbox
/// row counts in exactly one of `pending` (never failed yet), `retrying`, `parked`, `held`
/// (a conflict held for an operator) and `heldForIdentity`; `queued` is their sum.
public struct QueueStats: Sendable, Equatable {
    public var queued = 0
    public var parked = 0
    public var retrying = 0
    /// Held while a conflict of the user waits for an operator (`conflict_policy: manual`).
    public var held = 0
    /// Held until the user's identity at the provider is settled (state `identity`).
    public var heldForIdentity = 0
    public var deadLetters = 0
    /// The oldest change waiting for its first try (retrying, parked and held ones aside).
    public var oldestEnqueuedAt: Double?
    /// When the next parked user is looked up again.
    public var nextRecheckAt: Double?

    public init() {}

    /// Waiting to be sent (first try or retry), as opposed to parked or held.
    public var pending: Int { queued - parked - held - heldForIdentity - retrying }
}

/// Where each user known at one provider stands (`usersync status`). A user counts as in sync
/// only when the provider confirmed what the source holds and nothing about it is queued,
/// dead, in conflict, or out of the source.
public struct SyncStandings: Sendable, Equatable {
    public var inSync = 0
    /// Users with an open conflict (held for an operator), at this provider or another.
    public var inConflict = 0
    public var leftSource = 0
    /// Users whose local fields differ from what the provider holds with nothing queued
    /// (pull-only mode, which never pushes).
    public var differing = 0
    /// Users whose source row is rejected (invalid, or a duplicated id).
    public var rejected = 0
    /// Users whose provider id is known.
    public var mappedUsers = 0
    /// Users whose document the provider confirmed.
    public var confirmedUsers = 0

    public init() {}
}

extension StateStore {
    public func queueStats(provider: ProviderID) throws(StoreError) -> QueueStats {
        try read { db in
            let p = provider.rawValue
            var stats = QueueStats()
            if let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS queued,
                       coalesce(sum(state = 'parked'), 0) AS parked,
                       coalesce(sum(state = 'held'), 0) AS held,
                       coalesce(sum(state = 'identity'), 0) AS identity,
                       coalesce(sum(attempts > 0 AND state = 'pending'), 0) AS retrying,
                       min(CASE WHEN state = 'pending' AND attempts = 0 THEN enqueued_at END) AS oldest,
                       min(CASE WHEN state = 'parked' THEN not_before END) AS next_recheck
                FROM outbox WHERE provider = ?
                """, arguments: [p]) {
                stats.queued = row["queued"]
                stats.parked = row["parked"]
                stats.held = row["held"]
                stats.heldForIdentity = row["identity"]
                stats.retrying = row["retrying"]
                stats.oldestEnqueuedAt = row["oldest"]
                stats.nextRecheckAt = row["next_recheck"]
            }
            stats.deadLetters = try Int.fetchOne(db, sql: "SELECT count(*) FROM dead_letter WHERE provider = ?", arguments: [p]) ?? 0
            return stats
        }
    }

    /// Users in sync, in conflict, out of the source, or differing, at one provider. One pass
    /// over the provider's confirmed users (index lookups only): for `usersync status`, not
    /// for every cycle.
    public func syncStandings(provider: ProviderID) throws(StoreError) -> SyncStandings {
        try read { db in
            let p = provider.rawValue
            var standings = SyncStandings()
            // Counting every confirmed user scans the provider's documents: status only, never
            // per cycle (a cycle of one changed row among a million took 280 ms with it).
            standings.mappedUsers = try Int.fetchOne(db, sql: "SELECT count(*) FROM id_map WHERE provider = ?", arguments: [p]) ?? 0
            standings.confirmedUsers = try Int.fetchOne(db, sql: "SELECT count(*) FROM remote_state WHERE provider = ?", arguments: [p]) ?? 0
            // A state not yet migrated (read-only, while an older service runs) has no table
            // of users out of the source: it counts as empty.
            let outOfSync = try db.tableExists("out_of_sync")
                ? "AND NOT EXISTS (SELECT 1 FROM out_of_sync s WHERE s.provider = r.provider AND s.external_id = r.external_id)" : ""
            standings.inSync = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM remote_state r
                WHERE r.provider = ?
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.provider = r.provider AND o.external_id = r.external_id)
                  AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.provider = r.provider AND d.external_id = r.external_id)
                  \(outOfSync)
                  AND r.external_id NOT IN (SELECT external_id FROM conflict WHERE resolved_at IS NULL)
                """, arguments: [p]) ?? 0
            // A held conflict holds the user at every provider (the field must not reach one
            // provider and flip later): counted wherever the user is known or queued.
            standings.inConflict = try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT external_id) FROM conflict c
                WHERE c.resolved_at IS NULL AND (c.provider = ?
                    OR EXISTS (SELECT 1 FROM remote_state r WHERE r.provider = ? AND r.external_id = c.external_id)
                    OR EXISTS (SELECT 1 FROM outbox o WHERE o.provider = ? AND o.external_id = c.external_id))
                """, arguments: [p, p, p]) ?? 0
            guard try db.tableExists("out_of_sync") else { return standings }
            standings.leftSource = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM out_of_sync WHERE provider = ? AND reason = 'left_source'", arguments: [p]) ?? 0
            standings.differing = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM out_of_sync WHERE provider = ? AND reason = 'differs'", arguments: [p]) ?? 0
            standings.rejected = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM out_of_sync WHERE provider = ? AND reason = 'rejected'", arguments: [p]) ?? 0
            return standings
        }
    }

    public func openConflictCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM conflict WHERE resolved_at IS NULL") ?? 0 }
    }
}

/// Why a user known at a provider is not in sync although nothing about it is queued.
public enum OutOfSyncReason: String, Sendable {
    /// The source no longer has the user (nothing is deleted at the provider).
    case leftSource = "left_source"
    /// The local fields differ from what the provider holds (pull-only mode never pushes).
    case differs
    /// The source row is rejected (invalid, or a duplicated id): not what the provider holds.
    case rejected
}

extension StateStore {
    /// Replaces what the last full read of the source found, for the given providers: the
    /// users that left it and, in pull-only mode, the users whose fields differ.
    public func replaceOutOfSync(providers: [ProviderID], _ users: [(provider: ProviderID, externalID: String, reason: OutOfSyncReason)]) throws(StoreError) {
        try write { db in
            for provider in providers {
                try db.execute(sql: "DELETE FROM out_of_sync WHERE provider = ?", arguments: [provider.rawValue])
            }
            let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO out_of_sync (provider, external_id, reason) VALUES (?, ?, ?)")
            for user in users where providers.contains(user.provider) {
                try insert.execute(arguments: [user.provider.rawValue, user.externalID, user.reason.rawValue])
            }
        }
    }
}
