import GRDB
import UserSyncCore

/// Where a pass over the outbox goes on reading (items are read in `not_before, id` order).
public struct OutboxCursor: Sendable, Hashable {
    public let notBefore: Double
    public let id: Int64

    public init(notBefore: Double, id: Int64) {
        self.notBefore = notBefore
        self.id = id
    }
}

/// A provider's open circuit, as kept in the state for the next process and for `status`.
public struct SavedCircuit: Sendable, Hashable {
    public let since: Double
    public let nextProbeAt: Double
    public let failedProbes: Int
    /// The current wait between probes, in seconds.
    public let wait: Double

    public init(since: Double, nextProbeAt: Double, failedProbes: Int, wait: Double) {
        self.since = since
        self.nextProbeAt = nextProbeAt
        self.failedProbes = failedProbes
        self.wait = wait
    }
}

extension StateStore {
    public func setCircuit(provider: ProviderID, _ circuit: SavedCircuit?) throws(StoreError) {
        let value = circuit.map { "\($0.since) \($0.nextProbeAt) \($0.failedProbes) \($0.wait)" }
        try setMeta("circuit.\(provider.rawValue)", value)
    }

    /// The open circuits, by provider.
    public func circuits() throws(StoreError) -> [ProviderID: SavedCircuit] {
        try read { db in
            var circuits: [ProviderID: SavedCircuit] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta WHERE key LIKE 'circuit.%'") {
                let key: String = row["key"]
                let parts = (row["value"] as String).split(separator: " ").compactMap { Double($0) }
                guard parts.count == 4 else { continue }
                circuits[ProviderID(String(key.dropFirst("circuit.".count)))] = SavedCircuit(
                    since: parts[0], nextProbeAt: parts[1], failedProbes: Int(parts[2]), wait: parts[3])
            }
            return circuits
        }
    }
}
