import GRDB
import UserSyncCore

extension StateStore {
    /// Puts planned changes into the outbox in one transaction. A change for a user who is
    /// already queued replaces the queued document (coalescing) but keeps its retry schedule,
    /// so a newer edit never jumps a provider's backoff. Users whose changes were retracted
    /// (a duplicate id turned up later in the source) are removed in the same transaction.
    public func enqueue(_ changes: [PlannedChange], retracting retracted: Set<String> = [], now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO outbox (provider, external_id, kind, document, digest, record, state, attempts, not_before, enqueued_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
                \(Self.outboxUpsertConflict)
                """)
            for change in changes where change.kind != .remove && !retracted.contains(change.externalID) {
                guard let document = change.document, let digest = change.digest, let record = change.record else { continue }
                try upsert.execute(arguments: [
                    change.provider.rawValue, change.externalID, change.kind.rawValue, Self.encode(document),
                    digest.storageValue, Self.encode(record.document), now, now, now,
                ])
            }
            // A changed document deserves a fresh chance: its old dead letter is obsolete.
            let clear = try db.cachedStatement(sql: "DELETE FROM dead_letter WHERE provider = ? AND external_id = ?")
            for change in changes where change.kind != .remove && !retracted.contains(change.externalID) {
                try clear.execute(arguments: [change.provider.rawValue, change.externalID])
            }
            let retract = try db.cachedStatement(sql: "DELETE FROM outbox WHERE external_id = ?")
            for id in retracted { try retract.execute(arguments: [id]) }
            try db.execute(sql: Self.holdConflictedSQL)
        }
    }

    /// How an enqueued change meets a queued one for the same user: it replaces the queued
    /// document but keeps its retry schedule (and a `create` stays a create).
    static let outboxUpsertConflict = """
        ON CONFLICT (provider, external_id) DO UPDATE SET
            kind = CASE WHEN outbox.kind = 'create' THEN 'create' ELSE excluded.kind END,
            document = excluded.document, digest = excluded.digest,
            record = excluded.record, updated_at = excluded.updated_at,
            state = CASE WHEN outbox.state IN ('parked', 'held') THEN outbox.state ELSE 'pending' END
        """

    /// Users with a conflict held for an operator keep their pushes held, at every provider:
    /// the conflicting field must not reach one provider now and flip later.
    static let holdConflictedSQL = """
        UPDATE outbox SET state = 'held'
        WHERE id IN (SELECT o.id FROM conflict c CROSS JOIN outbox o ON o.external_id = c.external_id
                     WHERE c.resolved_at IS NULL AND o.state IN ('pending', 'parked'))
        """

    /// Items of one provider whose time has come, oldest first; after `cursor` when given
    /// (the next page of a pass that is still sending the previous one).
    public func dueItems(provider: ProviderID, now: Double = StateStore.now(), after cursor: OutboxCursor? = nil, limit: Int = 500) throws(StoreError) -> [OutboxItem] {
        try read { db in
            var sql = "SELECT * FROM outbox WHERE provider = ? AND state NOT IN ('held', 'identity') AND not_before <= ?"
            var arguments: StatementArguments = [provider.rawValue, now]
            if let cursor {
                sql += " AND (not_before > ? OR (not_before = ? AND id > ?))"
                arguments += [cursor.notBefore, cursor.notBefore, cursor.id]
            }
            sql += " ORDER BY not_before, id LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.outboxItem)
        }
    }

    /// The earliest time any item of this provider becomes due (nil when its queue is empty).
    public func nextDueTime(provider: ProviderID) throws(StoreError) -> Double? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT min(not_before) FROM outbox WHERE provider = ? AND state NOT IN ('held', 'identity')", arguments: [provider.rawValue])
        }
    }

    /// After a 2xx: in one transaction, record what the provider now holds and remove the
    /// outbox row — unless a newer change replaced it while the request was in flight, in
    /// which case the row stays for the next dispatch.
    ///
    /// - Parameters:
    ///   - confirmed: what the provider holds now, by its API's rules (default: the item's
    ///     document). The digest recorded stays the item's: the provider holds what pushing
    ///     that document leaves there, so the planner has nothing more to send.
    ///   - request: the key of the request sent (nil: nothing was sent): the body and what the
    ///     provider held before it. The same key again counts as a repeat (`request_repeats`).
    public func acknowledge(
        _ item: OutboxItem, providerUserID: String?, confirmed: JSONValue? = nil, request: DocumentDigest? = nil, now: Double = StateStore.now()
    ) throws(StoreError) {
        try acknowledge([Acknowledgement(item: item, providerUserID: providerUserID, confirmed: confirmed, request: request, now: now)])
    }

    /// Several acknowledgements in one transaction (a dispatcher with many requests in flight
    /// records their answers a few at a time: one commit each would be the bottleneck).
    public func acknowledge(_ acknowledgements: [Acknowledgement]) throws(StoreError) {
        guard !acknowledgements.isEmpty else { return }
        try write { db in
            for ack in acknowledgements { try Self.acknowledge(db, ack) }
        }
    }

    private static func acknowledge(_ db: Database, _ ack: Acknowledgement) throws {
        let item = ack.item
        let document = ack.confirmed ?? item.document
        try db.cachedStatement(sql: """
            INSERT INTO remote_state (provider, external_id, provider_user_id, document, digest, confirmed_at, last_request)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (provider, external_id) DO UPDATE SET
                provider_user_id = excluded.provider_user_id, document = excluded.document,
                digest = excluded.digest, confirmed_at = excluded.confirmed_at,
                last_request = coalesce(excluded.last_request, remote_state.last_request),
                request_repeats = CASE
                    WHEN excluded.last_request IS NULL THEN remote_state.request_repeats
                    WHEN excluded.last_request = remote_state.last_request THEN remote_state.request_repeats + 1
                    ELSE 0 END
            """).execute(arguments: [
                item.provider.rawValue, item.externalID, ack.providerUserID, Self.encode(document), item.digest.storageValue, ack.now,
                ack.request?.storageValue,
            ])
        if let providerUserID = ack.providerUserID {
            try Self.upsertIDMapping(db, provider: item.provider, externalID: item.externalID, providerUserID: providerUserID, now: ack.now)
        }
        try db.cachedStatement(sql: "DELETE FROM outbox WHERE id = ? AND digest = ?").execute(arguments: [item.id, item.digest.storageValue])
        // An older version of this user that was refused is obsolete once a newer one is in.
        try db.cachedStatement(sql: "DELETE FROM dead_letter WHERE provider = ? AND external_id = ?")
            .execute(arguments: [item.provider.rawValue, item.externalID])
        // A newer change queued while the request was in flight starts with a clean record.
        try db.cachedStatement(sql: "UPDATE outbox SET attempts = 0, first_failed_at = NULL, last_status = NULL, last_error = NULL WHERE id = ?")
            .execute(arguments: [item.id])
    }

    /// A failure worth retrying: wait until `notBefore`, counting the attempt when `charge`
    /// (the provider answered about this change, not about an outage of its own).
    public func reschedule(
        _ item: OutboxItem, status: Int?, message: String, notBefore: Double, charge: Bool = true, now: Double = StateStore.now()
    ) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE outbox SET attempts = attempts + ?, not_before = ?, last_status = ?, last_error = ?,
                    first_failed_at = COALESCE(first_failed_at, ?), updated_at = ?
                WHERE id = ?
                """, arguments: [charge ? 1 : 0, notBefore, status, message, now, now, item.id])
        }
    }

    /// Delays a provider's whole queue without counting an attempt (a paused provider, a
    /// 429 that slows everyone): nothing is due before `notBefore`.
    public func deferQueue(provider: ProviderID, until notBefore: Double) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE outbox SET not_before = ? WHERE provider = ? AND not_before < ?",
                arguments: [notBefore, provider.rawValue, notBefore])
        }
    }

    /// The provider is back (a probe went through): what waited for it is due now, not at the
    /// time a pause or an outage had put it off to.
    public func releaseQueue(provider: ProviderID, now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE outbox SET not_before = ? WHERE provider = ? AND state = 'pending' AND not_before > ?",
                arguments: [now, provider.rawValue, now])
        }
    }

    /// The provider has no counterpart for this user: keep the change, re-check rarely.
    public func park(_ item: OutboxItem, reason: String, recheckAt: Double, now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE outbox SET state = 'parked', not_before = ?, last_status = NULL, last_error = ?, updated_at = ?
                WHERE id = ?
                """, arguments: [recheckAt, reason, now, item.id])
        }
    }

    /// Gives up on an item: it moves to the dead letters with the provider's last word.
    public func deadLetter(_ item: OutboxItem, status: Int?, message: String, now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            // The dead letter keeps the outbox id, so one number names an item wherever it is.
            try db.execute(sql: "DELETE FROM dead_letter WHERE provider = ? AND external_id = ?", arguments: [item.provider.rawValue, item.externalID])
            try db.execute(sql: """
                INSERT INTO dead_letter (id, provider, external_id, kind, document, digest, record, attempts, last_status, last_error, dead_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (provider, external_id) DO UPDATE SET
                    kind = excluded.kind,
                    document = excluded.document, digest = excluded.digest, record = excluded.record,
                    attempts = excluded.attempts, last_status = excluded.last_status, last_error = excluded.last_error,
                    dead_at = excluded.dead_at
                """, arguments: [
                    item.id, item.provider.rawValue, item.externalID, item.kind.rawValue, Self.encode(item.document),
                    item.digest.storageValue, Self.encode(item.record.document), item.attempts + 1, status, message, now,
                ])
            try db.execute(sql: "DELETE FROM outbox WHERE id = ? AND digest = ?", arguments: [item.id, item.digest.storageValue])
        }
    }

    public func outboxCount(provider: ProviderID? = nil, state: OutboxItem.State? = nil) throws(StoreError) -> Int {
        try read { db in
            var sql = "SELECT count(*) FROM outbox WHERE 1"
            var arguments: StatementArguments = []
            if let provider { sql += " AND provider = ?"; arguments += [provider.rawValue] }
            if let state { sql += " AND state = ?"; arguments += [state.rawValue] }
            return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
        }
    }

    public func outboxItems(provider: ProviderID? = nil, externalID: String? = nil, limit: Int = 1000) throws(StoreError) -> [OutboxItem] {
        try read { db in
            var sql = "SELECT * FROM outbox WHERE 1"
            var arguments: StatementArguments = []
            if let provider { sql += " AND provider = ?"; arguments += [provider.rawValue] }
            if let externalID { sql += " AND external_id = ?"; arguments += [externalID] }
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.outboxItem)
        }
    }

    public func deadLetters(provider: ProviderID? = nil, limit: Int = 1000) throws(StoreError) -> [DeadLetter] {
        try read { db in
            var sql = "SELECT * FROM dead_letter"
            var arguments: StatementArguments = []
            if let provider { sql += " WHERE provider = ?"; arguments += [provider.rawValue] }
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                DeadLetter(
                    id: row["id"], provider: ProviderID(rawValue: row["provider"]), externalID: row["external_id"],
                    attempts: row["attempts"], lastStatus: row["last_status"], lastError: row["last_error"], deadAt: row["dead_at"])
            }
        }
    }

    static func outboxItem(_ row: Row) -> OutboxItem {
        let recordText: String = row["record"]
        let externalID: String = row["external_id"]
        return OutboxItem(
            id: row["id"], provider: ProviderID(rawValue: row["provider"]), externalID: externalID,
            kind: PlannedChange.Kind(rawValue: row["kind"]) ?? .update, document: decode(row["document"]),
            digest: DocumentDigest(storageValue: row["digest"]),
            record: UserRecord(document: decode(recordText)) ?? UserRecord(externalID: externalID),
            state: OutboxItem.State(rawValue: row["state"]) ?? .pending, attempts: row["attempts"],
            notBefore: row["not_before"], firstFailedAt: row["first_failed_at"], lastStatus: row["last_status"],
            lastError: row["last_error"], enqueuedAt: row["enqueued_at"])
    }
}

extension StateStore {
    /// An item that waits because its provider pushed back on another item's request: its
    /// schedule and last word are updated (so `queue list` says why), no attempt is counted.
    public func noteWaiting(_ item: OutboxItem, status: Int?, message: String, notBefore: Double, now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE outbox SET not_before = max(not_before, ?), last_status = ?, last_error = ?, updated_at = ? WHERE id = ?",
                arguments: [notBefore, status, message, now, item.id])
        }
    }
}
