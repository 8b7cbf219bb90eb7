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

    /// - Parameter snapshot: nil plans against an empty snapshot (no state yet).
    /// - Parameter sink: receives batches of changes; the last call carries the retracted ids.
    func run(snapshot: StateStore?, sink: ([PlannedChange], Set<String>) throws -> Void) throws -> PlanReport {
        let started = Date()
        var planner = Planner(projectors: projectors, mapping: mapping, deletions: deletions)
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
        // Three stages on two cores: the source parses on its own reader thread, a pipeline
        // thread maps each row and digests it for every provider, and this thread loads the
        // snapshot (while the others start), then only looks users up and compares digests.
        // The planner has every snapshot digest before it considers the first row.
        let source = self.source
        let preparer = planner.preparer
        try Pipeline.run(
            name: "usersync planner",
            produce: { emit in try source.read { item in try emit(preparer.prepare(item)) } },
            start: {
                guard let snapshot else { return }
                try snapshot.forEachSnapshotDigest(providers: planner.providers) { slot, id, digest in
                    planner.remember(providerAt: slot, externalID: id, digest: digest)
                }
            },
            consume: { prepared in planner.consider(prepared, emit: handle) })
        report.summary = planner.finish(emit: handle)
        if let sinkError { throw sinkError }
        try sink(batch.filter { !retracted.contains($0.externalID) }, retracted)
        report.changedFields = fieldCounts(updates.filter { !retracted.contains($0.externalID) }, snapshot: snapshot)
        report.durationSeconds = Date().timeIntervalSince(started)
        return report
    }

    private func fieldCounts(_ updates: [PlannedChange], snapshot: StateStore?) -> [ProviderID: [String: Int]] {
        var counts: [ProviderID: [String: Int]] = [:]
        for change in updates {
            let previous = try? snapshot?.remoteDocument(provider: change.provider, externalID: change.externalID)
            for field in DocumentDiff.changedFields(from: previous ?? nil, to: change.document) {
                counts[change.provider, default: [:]][field, default: 0] += 1
            }
        }
        return counts
    }
}
