import Foundation
import Logging
import UserSyncCore
import UserSyncStore

/// The mass-change guard (`sync.guard`): a cycle that would change, or clear a field of, more
/// than a share of a provider's synced users sends nothing of it to that provider (push) and
/// writes nothing of it back (pull) until an operator approves it (`usersync approve`) or a
/// later cycle comes back under the limits. Measured from what the plan and the pull already
/// hold: one count of synced users per provider, only when a cycle changes enough users to
/// matter.
extension SyncEngine {
    /// The providers whose plan breaks a limit, and why.
    func heldByGuard(_ report: PlanReport, limits: MassChangeLimits) throws -> [ProviderID: MassChangeVerdict] {
        try Self.heldByGuard(report, limits: limits, store: store)
    }

    static func heldByGuard(_ report: PlanReport, limits: MassChangeLimits, store: StateStore?) throws -> [ProviderID: MassChangeVerdict] {
        guard let store else { return [:] }
        var held: [ProviderID: MassChangeVerdict] = [:]
        for (provider, tally) in report.massChange {
            guard let synced = try Self.syncedUsersIfNeeded(tally, provider: provider, store: store, limits: limits),
                let verdict = tally.verdict(syncedUsers: synced, limits: limits)
            else { continue }
            held[provider] = verdict
        }
        return held
    }

    /// The provider's synced users, or nil when the tally cannot break a limit whatever that
    /// count is (the guard needs at least `min_users`): no query on a normal cycle's small plan.
    static func syncedUsersIfNeeded(_ tally: MassChangeTally, provider: ProviderID, store: StateStore, limits: MassChangeLimits) throws -> Int? {
        let floor = Double(max(limits.minUsers, 1))
        guard Double(tally.changedUsers) > limits.maxChanged * floor || Double(tally.clearedUsers) > limits.maxCleared * floor else { return nil }
        return try store.remoteStateCount(provider: provider)
    }

    /// One warning for what one cycle held (one plan, or one provider's pull): the limit, the
    /// measured share and the fields most affected, per provider.
    func logHeld(_ held: [ProviderID: MassChangeVerdict], direction: GuardHold.Direction) {
        guard !held.isEmpty else { return }
        let providers = held.keys.sorted()
        let names = providers.map(\.rawValue).joined(separator: ", ")
        let what = direction == .push
            ? "nothing of this plan is sent to \(names)"
            : "nothing \(names) reported in this pull is written back"
        let details = providers.map { provider in
            let verdict = held[provider]!
            let measured = verdict.limit == .maxCleared ? "users losing a non-empty field" : "users changed"
            return "\(provider): \(MassChangeVerdict.percent(verdict.share)) of \(MassChangeVerdict.grouped(verdict.syncedUsers)) synced users \(measured), "
                + "over sync.guard.\(verdict.limit.rawValue) \(MassChangeLimits.percent(verdict.limitShare)) (\(verdict.fieldsText))"
        }
        var metadata: Logger.Metadata = ["provider": "\(names)", "direction": "\(direction.rawValue)"]
        for provider in providers {
            let verdict = held[provider]!
            metadata["limit_\(provider)"] = "sync.guard.\(verdict.limit.rawValue)"
            metadata["share_\(provider)"] = "\(MassChangeVerdict.percent(verdict.share))"
            metadata["fields_\(provider)"] = "\(verdict.fieldsText)"
        }
        logger.warning(
            "mass change held: \(what): \(details.joined(separator: "; ")); check the source, then `usersync approve` (or fix the source: the next plan drops the hold)",
            metadata: metadata)
        for provider in providers { EngineMetrics.guardHeld(provider: provider, held: true) }
    }

    /// Pulled changes through the guard: a provider reporting too many users changed is held
    /// (nothing of it is accepted, so nothing is written back or pushed on), an approved hold
    /// is taken as it stands, and a pull back under the limits lifts an earlier hold.
    /// - Returns: the candidates to reconcile, and whether an approved hold was taken (what it
    ///   brings is passed on to the other providers by this cycle's plan without a second approval).
    func guardPulled(_ candidates: [RemoteCandidate], pulled: Set<ProviderID>, now: Double = StateStore.now()) throws -> (candidates: [RemoteCandidate], approvedTaken: Bool) {
        var approvedTaken = false
        let limits = options.massChange
        let holds = Dictionary(try store.guardHolds().filter { $0.direction == .pull }.map { ($0.provider, $0) }, uniquingKeysWith: { a, _ in a })
        let byProvider = Dictionary(grouping: candidates, by: \.provider)
        var passed: [RemoteCandidate] = []
        for provider in Set(byProvider.keys).union(holds.keys).sorted(by: { $0.rawValue < $1.rawValue }) {
            let fresh = byProvider[provider] ?? []
            if let hold = holds[provider], hold.approvedAt != nil {
                let held = try store.heldPull(provider: provider)
                let ids = Set(held.map(\.externalID))
                passed += held.map {
                    RemoteCandidate(provider: provider, externalID: $0.externalID, providerUserID: $0.providerUserID, document: $0.document, updatedAt: $0.updatedAt)
                }
                passed += fresh.filter { !ids.contains($0.externalID) }
                try store.releasePullHold(provider: provider)
                approvedTaken = true
                logger.notice("approved mass change taken from the pull", metadata: ["provider": "\(provider)", "users": "\(held.count)"])
                continue
            }
            guard pulled.contains(provider) else {
                passed += fresh
                continue
            }
            // Users with a merge base only: a first contact (pull only) is adopted, not taken.
            // A pull too small to break either limit costs one count and no read per user.
            var tally = MassChangeTally()
            var synced = 0
            if !fresh.isEmpty {
                synced = try store.remoteStateCount(provider: provider)
                let bound = Double(fresh.count)
                if synced >= limits.minUsers, bound > limits.maxChanged * Double(synced) || bound > limits.maxCleared * Double(synced) {
                    let bases = try store.remoteDocuments(provider: provider, externalIDs: fresh.map(\.externalID))
                    for candidate in fresh { if let base = bases[candidate.externalID] { tally.count(from: base, to: candidate.document) } }
                }
            }
            if let verdict = tally.verdict(syncedUsers: synced, limits: limits) {
                try store.holdPull(
                    provider: provider,
                    fresh.map { HeldPull(externalID: $0.externalID, providerUserID: $0.providerUserID, document: $0.document, updatedAt: $0.updatedAt) },
                    verdict: verdict, now: now)
                logHeld([provider: verdict], direction: .pull)
                continue
            }
            if holds[provider] != nil {
                try store.releasePullHold(provider: provider)
                logger.notice("mass change hold dropped: the provider's pull is back under the limits", metadata: ["provider": "\(provider)", "direction": "pull"])
            }
            passed += fresh
        }
        return (passed, approvedTaken)
    }
}
