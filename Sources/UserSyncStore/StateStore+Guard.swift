import GRDB
import UserSyncCore

/// A change held by the mass-change guard for one provider: a plan kept out of its outbox
/// (`push`), or pulled changes kept out of the source (`pull`), until an operator approves it
/// or a later cycle comes back under the limits.
public struct GuardHold: Sendable, Equatable {
    public enum Direction: String, Sendable {
        case push
        case pull
    }

    public let provider: ProviderID
    public let direction: Direction
    public let verdict: MassChangeVerdict
    /// Changes (push) or users (pull) held.
    public let held: Int
    public let heldAt: Double
    /// Set once an operator approved a pull hold (taken at the next cycle).
    public let approvedAt: Double?

    public init(provider: ProviderID, direction: Direction, verdict: MassChangeVerdict, held: Int, heldAt: Double, approvedAt: Double? = nil) {
        self.provider = provider
        self.direction = direction
        self.verdict = verdict
        self.held = held
        self.heldAt = heldAt
        self.approvedAt = approvedAt
    }
}

/// A pulled user kept out of the source by a hold.
public struct HeldPull: Sendable {
    public let externalID: String
    public let providerUserID: String
    public let document: JSONValue
    public let updatedAt: Double?

    public init(externalID: String, providerUserID: String, document: JSONValue, updatedAt: Double?) {
        self.externalID = externalID
        self.providerUserID = providerUserID
        self.document = document
        self.updatedAt = updatedAt
    }
}

extension StateStore {
    /// Every hold, pushes first.
    public func guardHolds() throws(StoreError) -> [GuardHold] {
        try read { db in
            // A state from before the guard (read-only, not migrated yet) holds nothing.
            guard try db.tableExists("guard_hold") else { return [] }
            return try Row.fetchAll(db, sql: """
                SELECT g.provider, g.direction, g.limit_name, g.users, g.synced, g.limit_share, g.fields, g.held_at, g.approved_at,
                       CASE g.direction WHEN 'push' THEN (SELECT count(*) FROM held_plan h WHERE h.provider = g.provider)
                                        ELSE (SELECT count(*) FROM held_pull h WHERE h.provider = g.provider) END AS held
                FROM guard_hold g ORDER BY g.direction DESC, g.provider
                """).map { row in
                let limit = MassChangeVerdict.Limit(rawValue: row["limit_name"]) ?? .maxChanged
                let fields = (Self.fieldList(Self.decode(row["fields"]))).compactMap { item -> MassChangeVerdict.FieldCount? in
                    guard let field = item.objectValue?["field"]?.stringValue, let users = item.objectValue?["users"]?.scalarText.flatMap({ Int($0) }) else { return nil }
                    return MassChangeVerdict.FieldCount(field: field, users: users)
                }
                let verdict = MassChangeVerdict(
                    limit: limit, limitShare: row["limit_share"], users: row["users"], syncedUsers: row["synced"], fields: fields,
                    verb: limit == .maxCleared ? "cleared" : "changed")
                return GuardHold(
                    provider: ProviderID(rawValue: row["provider"]), direction: GuardHold.Direction(rawValue: row["direction"]) ?? .push,
                    verdict: verdict, held: row["held"], heldAt: row["held_at"], approvedAt: row["approved_at"])
            }
        }
    }

    private static func fieldList(_ value: JSONValue) -> [JSONValue] {
        if case .array(let items) = value { return items }
        return []
    }

    static func saveHold(_ db: Database, provider: ProviderID, direction: GuardHold.Direction, verdict: MassChangeVerdict, now: Double) throws {
        let fields = JSONValue.array(verdict.fields.map { .object(["field": .string($0.field), "users": JSONValue($0.users)]) })
        try db.execute(sql: """
            INSERT OR REPLACE INTO guard_hold (provider, direction, limit_name, users, synced, limit_share, fields, held_at, approved_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
            """, arguments: [
                provider.rawValue, direction.rawValue, verdict.limit.rawValue, verdict.users, verdict.syncedUsers, verdict.limitShare,
                encode(fields), now,
            ])
    }

    // MARK: pushes

    /// Moves a held plan into the outbox as it stands (`enqueue`'s rules), and lifts the hold.
    /// Returns how many changes it moved (nil: nothing was held).
    @discardableResult
    public func approveHeldPlan(provider: ProviderID, now: Double = StateStore.now()) throws(StoreError) -> Int? {
        try write { db in
            let p = provider.rawValue
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM guard_hold WHERE provider = ? AND direction = 'push'", arguments: [p]) == true else {
                return nil
            }
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM held_plan WHERE provider = ?", arguments: [p]) ?? 0
            try db.execute(sql: """
                INSERT INTO outbox (provider, external_id, kind, document, digest, record, state, attempts, not_before, enqueued_at, updated_at)
                SELECT provider, external_id, kind, document, digest, record, 'pending', 0, ?, ?, ?
                FROM held_plan WHERE provider = ? ORDER BY seq
                \(Self.outboxUpsertConflict)
                """, arguments: [now, now, now, p])
            try db.execute(sql: """
                DELETE FROM dead_letter WHERE provider = ? AND external_id IN (SELECT external_id FROM held_plan WHERE provider = ?)
                """, arguments: [p, p])
            try db.execute(sql: Self.holdConflictedSQL)
            try db.execute(sql: "DELETE FROM held_plan WHERE provider = ?", arguments: [p])
            try db.execute(sql: "DELETE FROM guard_hold WHERE provider = ? AND direction = 'push'", arguments: [p])
            return count
        }
    }

    /// The held plan of a provider, in plan order (for tests and the operator).
    public func heldPlan(provider: ProviderID) throws(StoreError) -> [(externalID: String, kind: String, document: JSONValue)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT external_id, kind, document FROM held_plan WHERE provider = ? ORDER BY seq", arguments: [provider.rawValue])
                .map { ($0[0], $0[1], Self.decode($0[2])) }
        }
    }

    // MARK: pulls

    /// Keeps a provider's pulled users out of the source under a hold, replacing what an
    /// earlier pull held (the provider's latest word stands).
    public func holdPull(provider: ProviderID, _ users: [HeldPull], verdict: MassChangeVerdict, now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM held_pull WHERE provider = ?", arguments: [provider.rawValue])
            let insert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO held_pull (provider, external_id, provider_user_id, document, updated_at) VALUES (?, ?, ?, ?, ?)
                """)
            for user in users {
                try insert.execute(arguments: [provider.rawValue, user.externalID, user.providerUserID, Self.encode(user.document), user.updatedAt])
            }
            try Self.saveHold(db, provider: provider, direction: .pull, verdict: verdict, now: now)
        }
    }

    /// The users a pull hold keeps, as the provider last reported them.
    public func heldPull(provider: ProviderID) throws(StoreError) -> [HeldPull] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT external_id, provider_user_id, document, updated_at FROM held_pull WHERE provider = ? ORDER BY external_id",
                arguments: [provider.rawValue])
                .map { HeldPull(externalID: $0[0], providerUserID: $0[1], document: Self.decode($0[2]), updatedAt: $0[3]) }
        }
    }

    /// Marks a pull hold approved: the next cycle takes the held users as they stand.
    /// Returns how many users it holds (nil: nothing was held).
    @discardableResult
    public func approvePullHold(provider: ProviderID, now: Double = StateStore.now()) throws(StoreError) -> Int? {
        try write { db in
            let p = provider.rawValue
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM guard_hold WHERE provider = ? AND direction = 'pull'", arguments: [p]) == true else {
                return nil
            }
            try db.execute(sql: "UPDATE guard_hold SET approved_at = ? WHERE provider = ? AND direction = 'pull'", arguments: [now, p])
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM held_pull WHERE provider = ?", arguments: [p]) ?? 0
        }
    }

    /// Lifts a provider's pull hold and forgets what it held.
    public func releasePullHold(provider: ProviderID) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM held_pull WHERE provider = ?", arguments: [provider.rawValue])
            try db.execute(sql: "DELETE FROM guard_hold WHERE provider = ? AND direction = 'pull'", arguments: [provider.rawValue])
        }
    }
}
