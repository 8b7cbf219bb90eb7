import UserSyncCore

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
    /// True when only the rows changed since the last watermark were read (a source with a
    /// change column): users not read are not "gone".
    public var incremental = false

    public init(summary: PlanSummary = PlanSummary(), rejectionSamples: [String: [Rejection]] = [:], changedFields: [ProviderID: [String: Int]] = [:], durationSeconds: Double = 0, skippedUnchanged: Bool = false) {
        self.summary = summary
        self.rejectionSamples = rejectionSamples
        self.changedFields = changedFields
        self.durationSeconds = durationSeconds
        self.skippedUnchanged = skippedUnchanged
    }
}
