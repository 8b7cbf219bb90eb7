import Foundation
import UserSyncCore

/// Everything one cycle did: the plan, each provider's delivery, and what is left queued.
public struct CycleReport: Sendable {
    public struct ProviderState: Sendable, Equatable {
        public var queued = 0
        public var parked = 0
        public var deadLetters = 0
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

    public init(dryRun: Bool, plan: PlanReport, startedAt: Date) {
        self.dryRun = dryRun
        self.plan = plan
        self.startedAt = startedAt
    }

    public var pushed: Int { dispatch.values.reduce(0) { $0 + $1.pushed } }
    public var failed: Int { dispatch.values.reduce(0) { $0 + $1.requestsFailed } }
    public var queued: Int { queues.values.reduce(0) { $0 + $1.queued } }

    /// Exit status for `sync --once` (documented in the README).
    public var exitCode: Int32 {
        if dispatch.values.contains(where: { $0.pausedReason != nil }) { return SyncExitStatus.providerUnavailable }
        if dispatch.values.contains(where: { $0.deadLettered > 0 }) { return SyncExitStatus.deadLettered }
        if queues.values.contains(where: { $0.queued - $0.parked > 0 }) { return SyncExitStatus.retryPending }
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
            ]
            if let d = dispatch[provider] {
                entry["pushed"] = JSONValue(d.pushed)
                entry["retrying"] = JSONValue(d.retrying)
                entry["dead_lettered"] = JSONValue(d.deadLettered)
                entry["parked_now"] = JSONValue(d.parked)
                if let reason = d.pausedReason { entry["paused"] = .string(reason) }
            }
            if let q = queues[provider] {
                entry["queued"] = JSONValue(q.queued)
                entry["parked"] = JSONValue(q.parked)
                entry["dead_letters"] = JSONValue(q.deadLetters)
            }
            providers[provider.rawValue] = .object(entry)
        }
        var samples: [String: JSONValue] = [:]
        for (code, rejections) in plan.rejectionSamples {
            samples[code] = .array(rejections.map { r in
                var o: [String: JSONValue] = ["location": .string(r.location.description), "reason": .string(r.reason.message)]
                if let id = r.externalID { o["external_id"] = .string(id) }
                return .object(o)
            })
        }
        return .object([
            "dry_run": .bool(dryRun),
            "source_unchanged": .bool(plan.skippedUnchanged),
            "incremental": .bool(plan.incremental),
            "rows": JSONValue(plan.summary.rowsRead),
            "unchanged": JSONValue(plan.summary.unchanged),
            "rejected": JSONValue(plan.summary.rejected),
            "rejected_by_reason": .object(plan.summary.rejectedByReason.mapValues { JSONValue($0) }),
            "rejected_examples": .object(samples),
            "changes": .object(changes),
            "providers": .object(providers),
            "pushed": JSONValue(pushed),
            "remote_changes": JSONValue(remoteChanges),
            "conflicts": JSONValue(conflicts),
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
    /// The config file is invalid.
    public static let config: Int32 = 78
}
