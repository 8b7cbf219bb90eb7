import GRDB
import UserSyncCore

/// A provider that refused our credentials and is not being sent to.
public struct ProviderPause: Sendable, Equatable {
    public let reason: String
    public let since: Double
    public var nextProbeAt: Double

    public init(reason: String, since: Double, nextProbeAt: Double) {
        self.reason = reason
        self.since = since
        self.nextProbeAt = nextProbeAt
    }
}

extension StateStore {
    /// Kept in the state so that `usersync status` (another process) can say why.
    public func setProviderPause(provider: ProviderID, _ pause: ProviderPause?) throws(StoreError) {
        try write { db in
            let key = "paused." + provider.rawValue
            if let pause {
                let value: JSONValue = [
                    "reason": .string(pause.reason), "since": .number("\(pause.since)"), "next_probe_at": .number("\(pause.nextProbeAt)"),
                ]
                try db.execute(
                    sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [key, Self.encode(value)])
            } else {
                try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key])
            }
        }
    }

    public func providerPauses() throws(StoreError) -> [ProviderID: ProviderPause] {
        try read { db in
            var pauses: [ProviderID: ProviderPause] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta WHERE key LIKE 'paused.%'") {
                let key: String = row["key"]
                let value = Self.decode(row["value"])
                pauses[ProviderID(String(key.dropFirst("paused.".count)))] = ProviderPause(
                    reason: value["reason"]?.stringValue ?? "?", since: Double(value["since"]?.scalarText ?? "") ?? 0,
                    nextProbeAt: Double(value["next_probe_at"]?.scalarText ?? "") ?? 0)
            }
            return pauses
        }
    }
}
