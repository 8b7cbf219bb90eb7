import GRDB
import UserSyncCore

extension StateStore {
    /// The provider's own id for one of our users, when known.
    public func providerUserID(provider: ProviderID, externalID: String) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT provider_user_id FROM id_map WHERE provider = ? AND external_id = ?",
                arguments: [provider.rawValue, externalID])
        }
    }

    /// Stores learned provider ids (a paged id-mapping pass fills thousands at once), one profile to one user: a binding whose
    /// profile is already bound to another external id is refused (and returned), never
    /// made. The schema enforces the same rule (`id_map_one_user_per_profile`).
    @discardableResult
    public func storeIDMappings(provider: ProviderID, _ mappings: [(externalID: String, providerUserID: String)], now: Double = StateStore.now()) throws(StoreError) -> [RefusedBinding] {
        guard !mappings.isEmpty else { return [] }
        return try write { db in
            let owner = try db.cachedStatement(sql: "SELECT external_id FROM id_map WHERE provider = ? AND provider_user_id = ?")
            var refused: [RefusedBinding] = []
            for mapping in mappings {
                if let bound = try String.fetchOne(owner, arguments: [provider.rawValue, mapping.providerUserID]), bound != mapping.externalID {
                    refused.append(RefusedBinding(externalID: mapping.externalID, providerUserID: mapping.providerUserID, boundTo: bound))
                    continue
                }
                try Self.upsertIDMapping(db, provider: provider, externalID: mapping.externalID, providerUserID: mapping.providerUserID, now: now)
            }
            return refused
        }
    }

    /// The provider's ids of a batch of users, where known.
    public func providerUserIDs(provider: ProviderID, externalIDs: [String]) throws(StoreError) -> [String: String] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT provider_user_id FROM id_map WHERE provider = ? AND external_id = ?")
            var ids: [String: String] = [:]
            for id in externalIDs {
                if let providerID = try String.fetchOne(statement, arguments: [provider.rawValue, id]) { ids[id] = providerID }
            }
            return ids
        }
    }

    /// Forgets a mapping the provider no longer honours (a 404 on update).
    public func dropIDMapping(provider: ProviderID, externalID: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM id_map WHERE provider = ? AND external_id = ?", arguments: [provider.rawValue, externalID])
        }
    }

    public func idMappingCount(provider: ProviderID) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM id_map WHERE provider = ?", arguments: [provider.rawValue]) ?? 0
        }
    }

    static func upsertIDMapping(_ db: Database, provider: ProviderID, externalID: String, providerUserID: String, now: Double) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO id_map (provider, external_id, provider_user_id, learned_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (provider, external_id) DO UPDATE SET provider_user_id = excluded.provider_user_id, learned_at = excluded.learned_at
            WHERE id_map.provider_user_id != excluded.provider_user_id
            """)
        try statement.execute(arguments: [provider.rawValue, externalID, providerUserID, now])
    }
}
