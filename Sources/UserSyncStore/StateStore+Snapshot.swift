import GRDB
import UserSyncCore

extension StateStore {
    /// Streams, per (provider, user), the digest the planner must compare with: what is
    /// queued in the outbox (latest desired) or else what the provider last confirmed.
    /// Dead letters count too, so a rejected document is not re-sent until the source changes.
    public func forEachSnapshotDigest(_ body: (ProviderID, String, DocumentDigest) -> Void) throws(StoreError) {
        try read { db in
            for sql in [
                "SELECT provider, external_id, digest FROM remote_state",
                "SELECT provider, external_id, digest FROM dead_letter",
                "SELECT provider, external_id, digest FROM outbox WHERE kind != 'remove'",
            ] {
                let statement = try db.makeStatement(sql: sql)
                let cursor = try Row.fetchCursor(statement)
                while let row = try cursor.next() {
                    body(ProviderID(rawValue: row[0]), row[1], DocumentDigest(storageValue: row[2]))
                }
            }
        }
    }

    /// What a provider was last confirmed to hold for a user.
    public func remoteDocument(provider: ProviderID, externalID: String) throws(StoreError) -> JSONValue? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT document FROM remote_state WHERE provider = ? AND external_id = ?",
                arguments: [provider.rawValue, externalID]
            ).map(Self.decode)
        }
    }

    public func remoteStateCount(provider: ProviderID) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM remote_state WHERE provider = ?", arguments: [provider.rawValue]) ?? 0
        }
    }

    /// The source fingerprint of the last fully planned cycle (lets an unchanged source cost nothing).
    public func sourceFingerprint() throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'source_fingerprint'") }
    }

    public func setSourceFingerprint(_ value: String?) throws(StoreError) {
        try write { db in
            if let value {
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('source_fingerprint', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [value])
            } else {
                try db.execute(sql: "DELETE FROM meta WHERE key = 'source_fingerprint'")
            }
        }
    }
}

extension StateStore {
    /// Records documents as confirmed at their providers without sending anything. For
    /// benchmarks and tests that need a snapshot of a given size; the engine never calls it.
    public func recordConfirmed(_ changes: [PlannedChange], now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO remote_state (provider, external_id, provider_user_id, document, digest, confirmed_at)
                VALUES (?, ?, NULL, ?, ?, ?)
                """)
            for change in changes {
                guard let document = change.document, let digest = change.digest else { continue }
                try statement.execute(arguments: [change.provider.rawValue, change.externalID, Self.encode(document), digest.storageValue, now])
            }
        }
    }
}
