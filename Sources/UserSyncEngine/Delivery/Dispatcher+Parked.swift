import UserSyncCore
import UserSyncStore

extension Dispatcher {
    /// The items of one dispatch pass: what is due now and, when a parked user's re-check is
    /// among them and the provider's lookups gain from it (`ProviderRuntime.parkedBatchLimit`:
    /// perform.chat pages its list, one request per 100 users, when that is cheaper than one
    /// lookup each), the provider's other parked users too, so that they are looked up in one
    /// batch and parked again together, due together next time.
    /// A probe of a paused provider (`limit` 1) stays one item.
    /// - Returns: the due items (the pass reads on after the last of them), and the parked
    ///   users that join them early.
    func dueBatch(now: Double, after cursor: OutboxCursor?, limit: Int) throws -> (due: [OutboxItem], parked: [OutboxItem]) {
        // Re-checks planned under a longer interval (an older version re-checked hourly) come forward.
        if cursor == nil { try store.clampParkedRecheck(provider: provider, latest: now + parkedRecheck) }
        let items = try store.dueItems(provider: provider, now: now, after: cursor, limit: limit)
        guard limit > 1, let cap = runtime.parkedBatchLimit, items.count < cap, items.contains(where: { $0.state == .parked }) else {
            return (items, [])
        }
        let present = Set(items.map(\.id))
        let others = try store.parkedItems(provider: provider, limit: cap).filter { !present.contains($0.id) && $0.notBefore > now }
        return (items, Array(others.prefix(cap - items.count)))
    }
}
