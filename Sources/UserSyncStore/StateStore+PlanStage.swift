import GRDB
import UserSyncCore

/// A plan's changes, held apart from the outbox until the plan is known to come from a sound
/// read of the source. A plan streams its changes in batches (memory stays bounded), but a
/// file that changed while it was read yields rows that match no version of it; such a plan
/// must leave no trace. So batches go to a stage, and only a plan that ends well moves the
/// stage into the outbox, in one transaction.
///
/// The stage is a pair of `TEMP` tables of the writer connection (the one connection every
/// write of this store goes through): it is private to this process, costs no migration, and
/// vanishes with the process, so a crash in mid-plan leaves nothing half-enqueued.
extension StateStore {
    /// Starts a plan's stage, forgetting anything an abandoned plan left in it.
    public func beginStagedPlan() throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                CREATE TEMP TABLE IF NOT EXISTS plan_stage (
                    seq         INTEGER PRIMARY KEY,
                    provider    TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    kind        TEXT NOT NULL,
                    document    TEXT NOT NULL,
                    digest      INTEGER NOT NULL,
                    record      TEXT NOT NULL,
                    UNIQUE (provider, external_id)
                );
                CREATE TEMP TABLE IF NOT EXISTS plan_stage_retracted (external_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
                DELETE FROM temp.plan_stage;
                DELETE FROM temp.plan_stage_retracted;
                """)
        }
    }

    /// Adds a batch of planned changes to the stage; the outbox is not touched. `retracted`
    /// users (a duplicate id turned up later) are removed from the outbox at commit.
    public func stage(_ changes: [PlannedChange], retracting retracted: Set<String> = []) throws(StoreError) {
        try write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO temp.plan_stage (provider, external_id, kind, document, digest, record)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            for change in changes where change.kind != .remove {
                guard let document = change.document, let digest = change.digest, let record = change.record else { continue }
                try insert.execute(arguments: [
                    change.provider.rawValue, change.externalID, change.kind.rawValue, Self.encode(document),
                    digest.storageValue, Self.encode(record.document),
                ])
            }
            let retract = try db.cachedStatement(sql: "INSERT OR IGNORE INTO temp.plan_stage_retracted (external_id) VALUES (?)")
            for id in retracted { try retract.execute(arguments: [id]) }
        }
    }

    /// Moves the stage into the outbox with `enqueue`'s rules (coalescing, dead letters made
    /// obsolete, retractions, held conflicts), all in one transaction; then empties the stage.
    ///
    /// - Parameters:
    ///   - planned: the providers this plan was for (nil: every provider). Only their staged
    ///     changes go anywhere, and a hold of a planned provider that is not held again is
    ///     lifted: its held plan is dropped, this plan supersedes it.
    ///   - holding: providers whose plan broke a mass-change limit: their staged changes
    ///     replace their held plan instead of reaching the outbox.
    public func commitStagedPlan(
        now: Double = StateStore.now(), planned: [ProviderID]? = nil, holding: [ProviderID: MassChangeVerdict] = [:]
    ) throws(StoreError) {
        try write { db in
            let kept = "external_id NOT IN (SELECT external_id FROM temp.plan_stage_retracted)"
            let heldList = holding.keys.map { "'\(Self.sqlText($0.rawValue))'" }.joined(separator: ",")
            var sent = heldList.isEmpty ? kept : "\(kept) AND provider NOT IN (\(heldList))"
            if let planned {
                sent += " AND provider IN (\(planned.map { "'\(Self.sqlText($0.rawValue))'" }.joined(separator: ",")))"
            }
            try db.execute(sql: """
                INSERT INTO outbox (provider, external_id, kind, document, digest, record, state, attempts, not_before, enqueued_at, updated_at)
                SELECT provider, external_id, kind, document, digest, record, 'pending', 0, ?, ?, ?
                FROM temp.plan_stage WHERE \(sent) ORDER BY seq
                \(Self.outboxUpsertConflict)
                """, arguments: [now, now, now])
            try db.execute(sql: """
                DELETE FROM dead_letter WHERE (provider, external_id) IN
                    (SELECT provider, external_id FROM temp.plan_stage WHERE \(sent))
                """)
            try db.execute(sql: Self.dropRetractedSQL)
            try db.execute(sql: Self.holdConflictedSQL)
            for (provider, verdict) in holding {
                try db.execute(sql: "DELETE FROM held_plan WHERE provider = ?", arguments: [provider.rawValue])
                try db.execute(sql: """
                    INSERT INTO held_plan (provider, external_id, kind, document, digest, record)
                    SELECT provider, external_id, kind, document, digest, record
                    FROM temp.plan_stage WHERE \(kept) AND provider = ? ORDER BY seq
                    """, arguments: [provider.rawValue])
                try Self.saveHold(db, provider: provider, direction: .push, verdict: verdict, now: now)
            }
            // What came back under the limits: the held plan is superseded by this one.
            var released = "direction = 'push'"
            if !heldList.isEmpty { released += " AND provider NOT IN (\(heldList))" }
            if let planned { released += " AND provider IN (\(planned.map { "'\(Self.sqlText($0.rawValue))'" }.joined(separator: ",")))" }
            try db.execute(sql: "DELETE FROM held_plan WHERE provider IN (SELECT provider FROM guard_hold WHERE \(released))")
            try db.execute(sql: "DELETE FROM guard_hold WHERE \(released)")
            try db.execute(sql: "DELETE FROM temp.plan_stage; DELETE FROM temp.plan_stage_retracted")
        }
    }

    /// The queued changes of users the plan took back, at every provider. `CROSS JOIN` keeps
    /// SQLite walking the few retracted ids, not the whole outbox.
    static let dropRetractedSQL = """
        DELETE FROM outbox WHERE id IN
            (SELECT o.id FROM temp.plan_stage_retracted r CROSS JOIN outbox o ON o.external_id = r.external_id)
        """

    /// A provider name inside an SQL string literal (names are ours: `performchat`, `commbox`).
    private static func sqlText(_ text: String) -> String {
        text.replacingOccurrences(of: "'", with: "''")
    }

    /// Forgets the stage: the outbox is exactly as it was before the plan began.
    public func discardStagedPlan() throws(StoreError) {
        try write { db in
            guard try db.tableExists("plan_stage", in: "temp") else { return }
            try db.execute(sql: "DELETE FROM temp.plan_stage; DELETE FROM temp.plan_stage_retracted")
        }
    }

    /// How many changes are staged (for tests).
    public func stagedCount() throws(StoreError) -> Int {
        try write { db in
            guard try db.tableExists("plan_stage", in: "temp") else { return 0 }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.plan_stage") ?? 0
        }
    }
}
