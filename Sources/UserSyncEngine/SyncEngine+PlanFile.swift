import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncSources
import UserSyncStore

/// What a reviewed plan was computed against (`usersync plan`), and what `usersync apply`
/// checks before it enqueues the plan: the same source, the same state, the same changes.
public struct PlanStamp: Sendable, Equatable {
    /// The source's fingerprint (with the accepted remote changes and the projection settings).
    public var sourceFingerprint: String
    /// A hash of every snapshot digest the plan compared with.
    public var stateVersion: String
    /// A hash of every planned change (provider, user, kind, document digest).
    public var planDigest: String
    /// The providers planned (`--provider`, else every enabled one).
    public var providers: [ProviderID]

    public init(sourceFingerprint: String, stateVersion: String, planDigest: String, providers: [ProviderID]) {
        self.sourceFingerprint = sourceFingerprint
        self.stateVersion = stateVersion
        self.planDigest = planDigest
        self.providers = providers
    }
}

/// What `apply` did.
public enum ApplyOutcome: Sendable {
    /// Enqueued; `differences` is empty unless forced over a stale plan.
    case applied(changes: Int, differences: [String])
    /// The source or the state changed since the plan: nothing enqueued.
    case stale([String])
    /// The plan breaks a `sync.guard` limit and was not approved: nothing enqueued.
    case overLimit([ProviderID: MassChangeVerdict])
}

extension SyncEngine {
    /// `usersync plan`: the plan a cycle would make now, one change at a time with what the
    /// provider was last confirmed to hold (nil for a user it does not hold). Writes nothing.
    public static func preview(
        options: Options, providers wanted: [ProviderID]?, logger: Logger,
        each: (_ change: PlannedChange, _ previous: JSONValue?) throws -> Void
    ) throws -> (report: PlanReport, stamp: PlanStamp, held: [ProviderID: MassChangeVerdict]) {
        let source = try SourceRegistry.make(options.source)
        let store = try StateStore.openReadOnly(path: options.statePath)
        let all = ProviderRegistry.projectors(for: options.providers)
        let projectors = all.filter { wanted?.contains($0.provider) ?? true }
        let overlay = OverlaySource(base: source, mapping: options.fieldMapping, accepted: try store?.acceptedChanges() ?? [])
        let key = try fingerprintKey(source: source, overlay: overlay, options: options, providers: all.map(\.provider))
        let runner = PlanRunner(source: overlay, projectors: projectors, mapping: options.fieldMapping, deletions: options.deletionPolicy, logger: logger)
        let report = try runner.run(snapshot: store) { batch, _ in
            var previous: [ProviderID: [String: JSONValue]] = [:]
            if let store {
                for (provider, updates) in Dictionary(grouping: batch.filter { $0.kind == .update }, by: \.provider) {
                    previous[provider] = try store.remoteDocuments(provider: provider, externalIDs: updates.map(\.externalID))
                }
            }
            for change in batch { try each(change, previous[change.provider]?[change.externalID]) }
        }
        let held = try heldByGuard(report, limits: options.massChange, store: store)
        let stamp = PlanStamp(sourceFingerprint: key, stateVersion: report.stateVersion, planDigest: report.planDigest, providers: projectors.map(\.provider))
        return (report, stamp, held)
    }

    /// `usersync apply`: plans again, and enqueues the result only if it is the plan that was
    /// reviewed (same source, same state, same changes), unless `force`; a plan over a
    /// `sync.guard` limit only with `approveMassChange`. Nothing reaches the outbox otherwise.
    public func apply(_ stamp: PlanStamp, force: Bool, approveMassChange: Bool) throws -> ApplyOutcome {
        let overlay = try overlaySource()
        let all = projectors.map(\.provider)
        let key = try Self.fingerprintKey(source: source, overlay: overlay, options: options, providers: all)
        let chosen = projectors.filter { stamp.providers.contains($0.provider) }
        let runner = PlanRunner(source: overlay, projectors: chosen, mapping: options.fieldMapping, deletions: options.deletionPolicy, logger: logger)
        let store = self.store
        try store.beginStagedPlan()
        let report: PlanReport
        do {
            report = try runner.run(snapshot: store) { batch, retracted in try store.stage(batch, retracting: retracted) }
        } catch {
            try? store.discardStagedPlan()
            throw error
        }
        var differences: [String] = []
        if key != stamp.sourceFingerprint { differences.append("the source changed since the plan was made") }
        if report.stateVersion != stamp.stateVersion { differences.append("the state changed since the plan was made (deliveries, pulls or another plan)") }
        if report.planDigest != stamp.planDigest, differences.isEmpty { differences.append("the plan computed now differs from the file") }
        if !differences.isEmpty && !force {
            try store.discardStagedPlan()
            return .stale(differences)
        }
        let held = try heldByGuard(report, limits: options.massChange)
        if !held.isEmpty && !approveMassChange {
            try store.discardStagedPlan()
            return .overLimit(held)
        }
        try store.commitStagedPlan(planned: chosen.map(\.provider))
        try store.replaceSharedEmails(report.summary.sharedEmails)
        try store.recheckIdentityHolds()
        try store.dropAccepted(overlay.finishedChanges)
        try store.replaceOutOfSync(providers: chosen.map(\.provider), report.outOfSync)
        // Every provider planned: the source is seen, as after a cycle's plan. A part of them:
        // the next cycle plans the others.
        if chosen.count == projectors.count { try store.setSourceFingerprint(key) }
        return .applied(changes: report.summary.changes, differences: differences)
    }

    /// The source as a cycle's plan keys it: bytes, projection settings, accepted changes.
    static func fingerprintKey(source: any UserSource, overlay: OverlaySource, options: Options, providers: [ProviderID]) throws -> String {
        try source.fingerprint().storageText + projectionKey(options: options, providers: providers) + "|accepted=\(overlay.revision)"
    }
}
