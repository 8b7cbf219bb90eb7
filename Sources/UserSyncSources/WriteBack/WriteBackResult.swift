import UserSyncCore

/// What one `SourceWriteBack.apply` call did: every change given is either applied or skipped.
public struct WriteBackResult: Sendable, Hashable {
    /// How many changes were written (a change that set a value already there counts too).
    public var applied: Int
    /// The changes that cannot be written back as configured, in input order, with the reason.
    public var skipped: [SkippedChange]

    public init(applied: Int = 0, skipped: [SkippedChange] = []) {
        self.applied = applied
        self.skipped = skipped
    }
}
