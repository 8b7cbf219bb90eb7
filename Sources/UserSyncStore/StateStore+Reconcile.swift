import GRDB
import UserSyncCore

/// A conflict as stored: one field of one user at one provider.
public struct StoredConflict: Sendable, Hashable {
    public let id: Int64
    public let provider: ProviderID
    public let externalID: String
    /// The canonical field (`name`, `metadata.plan`).
    public let field: String
    /// The provider's path (`FirstName`, `Content.Plan`).
    public let path: String
    public let base: JSONValue?
    public let local: JSONValue?
    public let remote: JSONValue?
    public let rule: String
    /// `held` until resolved; then `local` or `remote`.
    public let resolution: String
    public let detectedAt: Double
    public let resolvedAt: Double?
    /// What taking the remote side changes locally.
    public let remoteEdits: [CanonicalEdit]
}

extension StateStore {
    // MARK: what a provider holds, as read by a pull

    /// Records what a provider holds after a pull was reconciled: the new merge base for it.
    /// - Parameter digest: the digest of the desired document whose push would leave the
    ///   provider as it is (default: the document's own), for the planner to compare with.
    public func recordRemote(
        provider: ProviderID, externalID: String, providerUserID: String, document: JSONValue, digest: DocumentDigest? = nil,
        now: Double = StateStore.now()
    ) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO remote_state (provider, external_id, provider_user_id, document, digest, confirmed_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (provider, external_id) DO UPDATE SET
                    provider_user_id = excluded.provider_user_id, document = excluded.document,
                    digest = excluded.digest, confirmed_at = excluded.confirmed_at
                """, arguments: [
                    provider.rawValue, externalID, providerUserID, Self.encode(document), (digest ?? document.digest).storageValue, now,
                ])
            try Self.upsertIDMapping(db, provider: provider, externalID: externalID, providerUserID: providerUserID, now: now)
        }
    }

    /// Digests of what each provider was last seen holding, for a batch of users (a pull page).
    public func remoteDigests(provider: ProviderID, externalIDs: [String]) throws(StoreError) -> [String: DocumentDigest] {
        try read { db in
            var result: [String: DocumentDigest] = [:]
            let statement = try db.cachedStatement(sql: "SELECT digest FROM remote_state WHERE provider = ? AND external_id = ?")
            for id in externalIDs {
                if let value = try Int64.fetchOne(statement, arguments: [provider.rawValue, id]) {
                    result[id] = DocumentDigest(storageValue: value)
                }
            }
            return result
        }
    }

    /// Users whose provider id is known, in a stable order, for a rotating pull.
    public func mappedUsers(provider: ProviderID, after cursor: String?, limit: Int) throws(StoreError) -> [(externalID: String, providerUserID: String)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT external_id, provider_user_id FROM id_map WHERE provider = ? AND external_id > ? ORDER BY external_id LIMIT ?",
                arguments: [provider.rawValue, cursor ?? "", limit]
            ).map { ($0[0], $0[1]) }
        }
    }

    public func meta(_ key: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func setMeta(_ key: String, _ value: String?) throws(StoreError) {
        try write { db in
            if let value {
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key])
            }
        }
    }

    // MARK: accepted remote changes (write-back queue and overlay)

    public func recordAccepted(_ changes: [FieldChange]) throws(StoreError) {
        guard !changes.isEmpty else { return }
        try write { db in
            for c in changes {
                try db.execute(
                    sql: "INSERT INTO accepted_change (external_id, field, old, new, provider, time) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [c.externalID, c.field, c.oldValue.map(Self.encode), c.newValue.map(Self.encode), c.provider.rawValue, c.time])
            }
        }
    }

    /// Accepted changes, oldest first: `pendingOnly` for those not yet written back.
    public func acceptedChanges(pendingOnly: Bool = false) throws(StoreError) -> [(id: Int64, change: FieldChange)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM accepted_change" + (pendingOnly ? " WHERE written_back = 0" : "") + " ORDER BY id").map { row in
                let old: String? = row["old"]
                let new: String? = row["new"]
                return (row["id"], FieldChange(
                    externalID: row["external_id"], field: row["field"], oldValue: old.map(Self.decode), newValue: new.map(Self.decode),
                    provider: ProviderID(rawValue: row["provider"]), time: row["time"]))
            }
        }
    }

    public func markWrittenBack(_ ids: [Int64]) throws(StoreError) {
        try write { db in
            for id in ids { try db.execute(sql: "UPDATE accepted_change SET written_back = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// Forgets accepted changes the source has caught up with (or overridden by a newer local edit).
    public func dropAccepted(_ ids: [Int64]) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try write { db in
            for id in ids { try db.execute(sql: "DELETE FROM accepted_change WHERE id = ?", arguments: [id]) }
        }
    }

    // MARK: conflicts

    public func recordConflict(
        provider: ProviderID, externalID: String, field: String, path: String, base: JSONValue?, local: JSONValue?, remote: JSONValue?,
        rule: String, resolution: String, remoteEdits: [CanonicalEdit], now: Double = StateStore.now()
    ) throws(StoreError) {
        try write { db in
            if resolution == "held" {
                // One open conflict per field: a newer remote value replaces the held one.
                try db.execute(
                    sql: "DELETE FROM conflict WHERE provider = ? AND external_id = ? AND path = ? AND resolved_at IS NULL",
                    arguments: [provider.rawValue, externalID, path])
            }
            let edits = JSONValue.array(remoteEdits.map { e in
                .object(["field": .string(e.field), "old": e.old ?? .null, "new": e.new ?? .null])
            })
            try db.execute(sql: """
                INSERT INTO conflict (provider, external_id, field, path, base, local, remote, rule, remote_edits, detected_at, resolved_at, resolution)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    provider.rawValue, externalID, field, path, base.map(Self.encode), local.map(Self.encode), remote.map(Self.encode),
                    rule, Self.encode(edits), now, resolution == "held" ? nil : now, resolution,
                ])
            if resolution == "held" {
                // Held at every provider, not only the conflicting one (see `enqueue`).
                try db.execute(
                    sql: "UPDATE outbox SET state = 'held' WHERE external_id = ? AND state IN ('pending', 'parked', 'held')",
                    arguments: [externalID])
            }
        }
    }

    public func conflicts(openOnly: Bool = true, externalID: String? = nil) throws(StoreError) -> [StoredConflict] {
        try read { db in
            var sql = "SELECT * FROM conflict WHERE 1"
            var arguments: StatementArguments = []
            if openOnly { sql += " AND resolved_at IS NULL" }
            if let externalID { sql += " AND external_id = ?"; arguments += [externalID] }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map(Self.conflict)
        }
    }

    /// Settles an open conflict. Taking local releases the held pushes; taking remote records
    /// the remote edits as accepted (written back and pushed to the other providers) and
    /// drops the held pushes. Either way the next cycle re-plans.
    public func resolveConflict(id: Int64, takeRemote: Bool, now: Double = StateStore.now()) throws(StoreError) -> StoredConflict? {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM conflict WHERE id = ? AND resolved_at IS NULL", arguments: [id]) else { return nil }
            let conflict = Self.conflict(row)
            try db.execute(
                sql: "UPDATE conflict SET resolved_at = ?, resolution = ? WHERE id = ?",
                arguments: [now, takeRemote ? "remote (operator)" : "local (operator)", id])
            if takeRemote {
                for edit in conflict.remoteEdits {
                    try db.execute(
                        sql: "INSERT INTO accepted_change (external_id, field, old, new, provider, time) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [conflict.externalID, edit.field, edit.old.map(Self.encode), edit.new.map(Self.encode), conflict.provider.rawValue, now])
                }
            }
            // The user's pushes are held at every provider while any of its conflicts is open;
            // once none is, they are dropped and the next cycle re-plans every provider.
            let stillOpen = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM conflict WHERE external_id = ? AND resolved_at IS NULL",
                arguments: [conflict.externalID]) ?? 0
            if stillOpen == 0 {
                try db.execute(
                    sql: "DELETE FROM outbox WHERE external_id = ? AND state = 'held'",
                    arguments: [conflict.externalID])
            }
            try db.execute(sql: "DELETE FROM meta WHERE key = 'source_fingerprint'")
            return conflict
        }
    }

    /// Users with open conflicts at a provider: their pushes stay held.
    public func heldUsers(provider: ProviderID) throws(StoreError) -> Set<String> {
        try read { db in
            Set(try String.fetchAll(
                db, sql: "SELECT DISTINCT external_id FROM conflict WHERE provider = ? AND resolved_at IS NULL",
                arguments: [provider.rawValue]))
        }
    }

    public func setLastRule(externalID: String, document: JSONValue, rule: String, now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO merge_base (external_id, document, updated_at, last_rule) VALUES (?, ?, ?, ?)
                ON CONFLICT (external_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at, last_rule = excluded.last_rule
                """, arguments: [externalID, Self.encode(document), now, rule])
        }
    }

    public func lastRule(externalID: String) throws(StoreError) -> (rule: String, at: Double)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT last_rule, updated_at FROM merge_base WHERE external_id = ?", arguments: [externalID]).flatMap { row in
                (row["last_rule"] as String?).map { ($0, row["updated_at"]) }
            }
        }
    }

    static func conflict(_ row: Row) -> StoredConflict {
        let base: String? = row["base"]
        let local: String? = row["local"]
        let remote: String? = row["remote"]
        let editsText: String? = row["remote_edits"]
        let edits: [CanonicalEdit] = (editsText.map(decode).flatMap { v -> [JSONValue]? in
            if case .array(let a) = v { return a }
            return nil
        } ?? []).compactMap { e in
            guard let field = e["field"]?.stringValue else { return nil }
            let old = e["old"].flatMap { $0.isNull ? nil : $0 }
            let new = e["new"].flatMap { $0.isNull ? nil : $0 }
            return CanonicalEdit(field: field, old: old, new: new)
        }
        return StoredConflict(
            id: row["id"], provider: ProviderID(rawValue: row["provider"]), externalID: row["external_id"], field: row["field"],
            path: row["path"] ?? row["field"], base: base.map(decode), local: local.map(decode), remote: remote.map(decode),
            rule: row["rule"] ?? "", resolution: row["resolution"] ?? "held", detectedAt: row["detected_at"], resolvedAt: row["resolved_at"],
            remoteEdits: edits)
    }
}
