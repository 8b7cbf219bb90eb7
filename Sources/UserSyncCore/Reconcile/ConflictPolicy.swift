/// `sync.conflict_policy`: who wins when a field changed on both sides since the merge base.
public enum ConflictPolicy: String, Sendable, CaseIterable {
    /// The local source wins (the default: it is the source of truth).
    case local
    /// The provider's edit wins.
    case remote
    /// The later edit wins, by timestamps where both sides have them; else local, and says so.
    case newest
    /// Neither: the user's conflicting fields are held until an operator resolves them.
    case manual
}
