import UserSyncCore
import UserSyncStore

/// The planning half of a cycle, as reported to the operator.
public struct PlanReport: Sendable {
    public var summary: PlanSummary
    /// The first few rejections of each reason, for the summary (all are logged).
    public var rejectionSamples: [String: [Rejection]]
    /// Per provider: how many updates touch each field (`name`, `metadata.plan`, ...).
    public var changedFields: [ProviderID: [String: Int]]
    public var durationSeconds: Double
    /// True when the source was unchanged since the last plan and was not read at all.
    public var skippedUnchanged: Bool
    /// Set when the source file was still being written (`source.settle_time`), so nothing
    /// was planned from it: when it may be read (seconds since the epoch).
    public var sourceSettlesAt: Double?
    /// Per provider: users it holds (or has queued) that the source no longer has.
    public var leftSource: [ProviderID: [String]] = [:]
    /// Per provider: users it holds whose source row was rejected this plan.
    public var rejectedKnown: [ProviderID: [String]] = [:]
    /// Per provider: what this plan changes, for the mass-change guard.
    public var massChange: [ProviderID: MassChangeTally] = [:]
    /// Per provider: why the guard held this plan (nothing of it reached the outbox).
    public var held: [ProviderID: MassChangeVerdict] = [:]
    /// The snapshot the plan was computed against, as a hash (`usersync plan`'s state version).
    public var stateVersion = ""
    /// A hash of every planned change (provider, user, kind, document digest), in plan order.
    public var planDigest = ""
    /// True when only the rows changed since the last watermark were read (a source with a
    /// change column): users not read are not "gone".
    public var incremental = false

    /// Users known at a provider that are not in sync for a reason the outbox does not hold.
    public var outOfSync: [(provider: ProviderID, externalID: String, reason: OutOfSyncReason)] {
        var users: [(provider: ProviderID, externalID: String, reason: OutOfSyncReason)] = []
        for (provider, ids) in leftSource {
            for id in ids { users.append((provider: provider, externalID: id, reason: .leftSource)) }
        }
        for (provider, ids) in rejectedKnown {
            for id in ids { users.append((provider: provider, externalID: id, reason: .rejected)) }
        }
        return users
    }

    public init(summary: PlanSummary = PlanSummary(), rejectionSamples: [String: [Rejection]] = [:], changedFields: [ProviderID: [String: Int]] = [:], durationSeconds: Double = 0, skippedUnchanged: Bool = false, sourceSettlesAt: Double? = nil) {
        self.summary = summary
        self.rejectionSamples = rejectionSamples
        self.changedFields = changedFields
        self.durationSeconds = durationSeconds
        self.skippedUnchanged = skippedUnchanged
        self.sourceSettlesAt = sourceSettlesAt
    }
}
