import Foundation
import Logging
import UserSyncCore
import UserSyncSources
import UserSyncStore

/// Streams the source through the planner against the snapshot, handing planned changes to
/// a sink in batches (so an initial sync of a million users never holds them all).
struct PlanRunner {
    let source: any UserSource
    let projectors: [any ProviderProjector]
    let mapping: FieldMapping
    let deletions: DeletionPolicy
    let logger: Logger
    static let samplesPerReason = 5
    static let loggedRejectionsLimit = 1000
    static let batchSize = 5000
    /// Rows read before their snapshot is looked up, in an incremental plan.
    static let chunkSize = 1000

    /// - Parameter snapshot: nil plans against an empty snapshot (no state yet).
    /// - Parameter incremental: the read returns only some users (those changed since a
    ///   watermark): the snapshot is looked up for the users read, a chunk at a time, and a
    ///   user not read is never reported as gone.
    /// - Parameter read: how to read the source; `source.read` when nil.
    /// - Parameter sink: receives batches of changes; the last call carries the retracted ids.
    func run(
        snapshot: StateStore?, incremental: Bool = false,
        read: (((SourceItem) throws -> Void) throws -> Void)? = nil,
        sink: ([PlannedChange], Set<String>) throws -> Void
    ) throws -> PlanReport {
        let started = Date()
        var planner = Planner(projectors: projectors, mapping: mapping, deletions: incremental ? .ignore : deletions)
        if let snapshot, !incremental {
            try snapshot.forEachSnapshotDigest(providers: planner.providers) { slot, id, digest in
                planner.remember(providerAt: slot, externalID: id, digest: digest)
            }
        }
        var report = PlanReport()
        var batch: [PlannedChange] = []
        var retracted: Set<String> = []
        var updates: [PlannedChange] = []
        var logged = 0
        var sinkError: (any Error)?
        func handle(_ event: PlanEvent) {
            switch event {
            case .change(let change):
                if change.kind == .remove {
                    logger.notice("user left the source; nothing is deleted at the provider", metadata: [
                        "provider": "\(change.provider)", "external_id": "\(change.externalID)",
                    ])
                    return
                }
                batch.append(change)
                if change.kind == .update && updates.count < 10_000 { updates.append(change) }
                if batch.count >= Self.batchSize && sinkError == nil {
                    do { try sink(batch, []) } catch { sinkError = error }
                    batch.removeAll(keepingCapacity: true)
                }
            case .retract(let id):
                retracted.insert(id)
            case .rejected(let rejection):
                report.rejectionSamples[rejection.reason.code, default: []].append(rejection)
                if report.rejectionSamples[rejection.reason.code]!.count > Self.samplesPerReason {
                    report.rejectionSamples[rejection.reason.code]!.removeLast()
                }
                logged += 1
                if logged <= Self.loggedRejectionsLimit {
                    var meta: Logger.Metadata = ["location": "\(rejection.location)", "reason": "\(rejection.reason.message)", "code": "\(rejection.reason.code)"]
                    if let id = rejection.externalID { meta["external_id"] = "\(id)" }
                    logger.warning("row rejected", metadata: meta)
                } else if logged == Self.loggedRejectionsLimit + 1 {
                    logger.warning("more rows rejected; only the first \(Self.loggedRejectionsLimit) are logged this cycle")
                }
            }
        }
        let reader = read ?? { body in try source.read(body) }
        if incremental {
            // The snapshot of the users read, looked up a chunk at a time: reading every
            // digest would cost more than the few rows that changed.
            var pending: [SourceItem] = []
            func flush() throws {
                var ids: [String] = []
                for case .row(let row) in pending {
                    if let id = row.columns[mapping.externalID]?.scalarText?.trimmingCharacters(in: .whitespacesAndNewlines) { ids.append(id) }
                }
                if let snapshot, !ids.isEmpty {
                    try snapshot.snapshotDigests(providers: planner.providers, externalIDs: ids) { slot, id, digest in
                        planner.remember(providerAt: slot, externalID: id, digest: digest)
                    }
                }
                for item in pending { planner.consider(item, emit: handle) }
                pending.removeAll(keepingCapacity: true)
            }
            try reader { item in
                pending.append(item)
                if pending.count >= Self.chunkSize { try flush() }
            }
            try flush()
        } else {
            try reader { item in planner.consider(item, emit: handle) }
        }
        report.summary = planner.finish(emit: handle)
        if let sinkError { throw sinkError }
        try sink(batch.filter { !retracted.contains($0.externalID) }, retracted)
        report.changedFields = fieldCounts(updates.filter { !retracted.contains($0.externalID) }, snapshot: snapshot)
        report.durationSeconds = Date().timeIntervalSince(started)
        return report
    }

    private func fieldCounts(_ updates: [PlannedChange], snapshot: StateStore?) -> [ProviderID: [String: Int]] {
        // The previous documents in one batch per provider (a query each cost a transaction
        // and a statement per update: a third of a second for 10,000 updates).
        var previous: [ProviderID: [String: JSONValue]] = [:]
        if let snapshot {
            for (provider, changes) in Dictionary(grouping: updates, by: \.provider) {
                previous[provider] = (try? snapshot.remoteDocuments(provider: provider, externalIDs: changes.map(\.externalID))) ?? [:]
            }
        }
        var counts: [ProviderID: [String: Int]] = [:]
        for change in updates {
            for field in DocumentDiff.changedFields(from: previous[change.provider]?[change.externalID], to: change.document) {
                counts[change.provider, default: [:]][field, default: 0] += 1
            }
        }
        return counts
    }
}
