import Foundation
import UserSyncCore
import UserSyncStore

/// Everything one cycle did: the plan, each provider's delivery, and what is left queued.
public struct CycleReport: Sendable {
    public struct ProviderState: Sendable, Equatable {
        public var queued = 0
        public var parked = 0
        public var deadLetters = 0
        /// Held while one of the user's conflicts waits for an operator.
        public var held = 0
        /// Held until the user's identity at the provider is settled.
        public var heldForIdentity = 0
        /// When the next parked user is looked up again.
        public var nextRecheckAt: Double?

        public init(queued: Int = 0, parked: Int = 0, deadLetters: Int = 0, held: Int = 0, heldForIdentity: Int = 0, nextRecheckAt: Double? = nil) {
            self.queued = queued
            self.parked = parked
            self.deadLetters = deadLetters
            self.held = held
            self.heldForIdentity = heldForIdentity
            self.nextRecheckAt = nextRecheckAt
        }

        /// Waiting to be sent (first try or retry): neither parked nor held.
        public var waiting: Int { queued - parked - held - heldForIdentity }
    }

    public var dryRun: Bool
    public var plan: PlanReport
    public var dispatch: [ProviderID: DispatchReport] = [:]
    public var queues: [ProviderID: ProviderState] = [:]
    public var startedAt: Date
    public var durationSeconds: Double = 0
    /// Remote edits accepted this cycle (pulled back), and conflicts found.
    public var remoteChanges = 0
    public var conflicts = 0
    /// Set when the source file was still being written, so this cycle neither planned from
    /// it nor reconciled against it: when the next cycle may read it (seconds since the epoch).
    public var sourceSettlesAt: Double?
    /// Conflicts held for an operator (`conflict_policy: manual`) after this cycle, old and new.
    public var openConflicts = 0
    /// Changes held by the mass-change guard after this cycle, old and new.
    public var guardHolds: [GuardHold] = []

    public init(dryRun: Bool, plan: PlanReport, startedAt: Date) {
        self.dryRun = dryRun
        self.plan = plan
        self.startedAt = startedAt
    }

    public var pushed: Int { dispatch.values.reduce(0) { $0 + $1.pushed } }
    public var failed: Int { dispatch.values.reduce(0) { $0 + $1.requestsFailed } }
    public var queued: Int { queues.values.reduce(0) { $0 + $1.queued } }
    /// Users held for an operator: open conflicts, and users held for identity.
    public var heldForOperator: Bool {
        openConflicts > 0 || !guardHolds.isEmpty || queues.values.contains { $0.held + $0.heldForIdentity > 0 }
    }

    /// Exit status for `sync --once` (documented in the README). What needs a person comes
    /// before what time alone fixes.
    public var exitCode: Int32 {
        if dispatch.values.contains(where: { $0.pausedReason != nil }) { return SyncExitStatus.providerUnavailable }
        if dispatch.values.contains(where: { $0.deadLettered > 0 }) { return SyncExitStatus.deadLettered }
        if heldForOperator { return SyncExitStatus.heldForOperator }
        if queues.values.contains(where: { $0.waiting > 0 }) { return SyncExitStatus.retryPending }
        // The source's changes are not even planned yet: a later cycle does it.
        if sourceSettlesAt != nil { return SyncExitStatus.retryPending }
        return SyncExitStatus.ok
    }

    /// The machine-readable summary (`--json`, and the run history).
    public var json: JSONValue {
        var changes: [String: JSONValue] = [:]
        var providers: [String: JSONValue] = [:]
        // Every provider the cycle touched, also when planning was skipped (source unchanged).
        for provider in Set(plan.summary.providers.keys).union(dispatch.keys).union(queues.keys) {
            let counts = plan.summary.providers[provider] ?? PlanSummary.ProviderCounts()
            changes[provider.rawValue] = JSONValue(counts.total)
            var entry: [String: JSONValue] = [
                "created": JSONValue(counts.created), "updated": JSONValue(counts.updated), "removed": JSONValue(counts.removed),
                "fields": .object((plan.changedFields[provider] ?? [:]).mapValues { JSONValue($0) }),
                "refused": JSONValue(counts.refused),
                "refused_by_reason": .object(counts.refusedByReason.mapValues { JSONValue($0) }),
            ]
            if let d = dispatch[provider] {
                entry["pushed"] = JSONValue(d.pushed)
                entry["retrying"] = JSONValue(d.retrying)
                entry["dead_lettered"] = JSONValue(d.deadLettered)
                entry["parked_now"] = JSONValue(d.parked)
                entry["held_for_identity_now"] = JSONValue(d.heldForIdentity)
                entry["already_held"] = JSONValue(d.alreadyHeld)
                if let reason = d.pausedReason { entry["paused"] = .string(reason) }
            }
            if let q = queues[provider] {
                entry["queued"] = JSONValue(q.queued)
                entry["parked"] = JSONValue(q.parked)
                entry["held_for_identity"] = JSONValue(q.heldForIdentity)
                entry["dead_letters"] = JSONValue(q.deadLetters)
                entry["held"] = JSONValue(q.held)
                entry["held_for_identity"] = JSONValue(q.heldForIdentity)
            }
            providers[provider.rawValue] = .object(entry)
        }
        var samples: [String: JSONValue] = [:]
        for (code, rejections) in plan.rejectionSamples {
            samples[code] = .array(rejections.map { r in
                var o: [String: JSONValue] = ["location": .string(r.location.description), "reason": .string(r.reason.message)]
                if let id = r.externalID { o["external_id"] = .string(id) }
                if let provider = r.provider { o["provider"] = .string(provider.rawValue) }
                return .object(o)
            })
        }
        return .object([
            "dry_run": .bool(dryRun),
            "source_unchanged": .bool(plan.skippedUnchanged),
            "source_being_written": .bool(sourceSettlesAt != nil),
            "incremental": .bool(plan.incremental),
            "rows": JSONValue(plan.summary.rowsRead),
            "unchanged": JSONValue(plan.summary.unchanged),
            "rejected": JSONValue(plan.summary.rejected),
            "rejected_by_reason": .object(plan.summary.rejectedByReason.mapValues { JSONValue($0) }),
            "rejected_examples": .object(samples),
            "shared_email_groups": JSONValue(plan.summary.sharedEmails.count),
            "changes": .object(changes),
            "providers": .object(providers),
            "pushed": JSONValue(pushed),
            "remote_changes": JSONValue(remoteChanges),
            "conflicts": JSONValue(conflicts),
            "open_conflicts": JSONValue(openConflicts),
            "held_mass_change": .array(guardHolds.map(\.json)),
            // Providers whose plan the guard held this cycle (a dry run: would hold).
            "guard_held_plan": .array(plan.held.keys.sorted().map { .string($0.rawValue) }),
            "failed": JSONValue(failed),
            "plan_seconds": .number(String(format: "%.3f", plan.durationSeconds)),
            "duration_seconds": .number(String(format: "%.3f", durationSeconds)),
        ])
    }
}

/// `sync --once` exit statuses (sysexits.h where one fits).
public enum SyncExitStatus {
    public static let ok: Int32 = 0
    public static let failure: Int32 = 1
    /// Some changes were refused by a provider and moved to the dead letters.
    public static let deadLettered: Int32 = 65
    /// A provider refused the credentials and is paused.
    public static let providerUnavailable: Int32 = 69
    /// Some changes wait for a retry (429, 5xx, network): a later cycle delivers them.
    public static let retryPending: Int32 = 75
    /// Held for an operator: a conflict under `conflict_policy: manual` waits for
    /// `usersync conflicts resolve`, a user is held for identity, or a mass change is held
    /// by `sync.guard` until `usersync approve`. Time alone does not
    /// fix it. (Outside sysexits' 64–78 on purpose: none of its meanings fits.)
    public static let heldForOperator: Int32 = 79
    /// `apply`: the plan file is stale (the source or the state changed since it was made);
    /// EX_DATAERR: the input no longer matches what it describes.
    public static let stalePlan: Int32 = 65
    /// The config file is invalid.
    public static let config: Int32 = 78
}

extension GuardHold {
    /// How `status --json` and the cycle summary show a hold.
    public var json: JSONValue {
        .object([
            "provider": .string(provider.rawValue), "direction": .string(direction.rawValue),
            "state": .string("held: mass change"),
            "limit": .string("sync.guard.\(verdict.limit.rawValue)"), "limit_share": .string(MassChangeLimits.percent(verdict.limitShare)),
            "share": .string(MassChangeVerdict.percent(verdict.share)), "users": JSONValue(verdict.users),
            "synced_users": JSONValue(verdict.syncedUsers), "held": JSONValue(held),
            "fields": .object(Dictionary(verdict.fields.map { ($0.field, JSONValue($0.users)) }, uniquingKeysWith: { a, _ in a })),
            "summary": .string(verdict.fieldsText),
            "approved": .bool(approvedAt != nil),
        ])
    }
}
