/// The three-way decision for one user at one provider, path by path, against the merge base
/// (what that provider was last confirmed to hold). Pure: documents in, decisions out.
///
/// - remote changed, local did not → the remote edit is accepted (pulled back);
/// - local changed, remote did not → nothing here: the planner pushes it;
/// - both changed to the same value → nothing;
/// - both changed differently → a conflict, settled by the policy.
public struct Reconciler: Sendable {
    public let policy: ConflictPolicy

    public init(policy: ConflictPolicy) {
        self.policy = policy
    }

    public struct Input: Sendable {
        /// The provider's document as last confirmed (nil: never confirmed).
        public var base: JSONValue?
        /// The local record projected onto the provider's shape.
        public var local: JSONValue
        /// The provider's document as just read.
        public var remote: JSONValue
        /// Seconds since 1970 of the last local / remote edit, when known (`newest`).
        public var localUpdatedAt: Double?
        public var remoteUpdatedAt: Double?

        public init(base: JSONValue?, local: JSONValue, remote: JSONValue, localUpdatedAt: Double? = nil, remoteUpdatedAt: Double? = nil) {
            self.base = base
            self.local = local
            self.remote = remote
            self.localUpdatedAt = localUpdatedAt
            self.remoteUpdatedAt = remoteUpdatedAt
        }
    }

    public struct Conflict: Sendable, Hashable {
        public enum Resolution: String, Sendable, Hashable {
            case local, remote, held
        }

        public let path: String
        public let base: JSONValue?
        public let local: JSONValue?
        public let remote: JSONValue?
        public let resolution: Resolution
        /// Why this resolution (policy, and for `newest` which side was later or why it fell back).
        public let rule: String
    }

    /// A remote value taken over, at one path of the provider's document.
    public struct AcceptedEdit: Sendable, Hashable {
        public let path: String
        /// The local (projected) value it replaces.
        public let local: JSONValue?
        public let remote: JSONValue?

        public init(path: String, local: JSONValue?, remote: JSONValue?) {
            self.path = path
            self.local = local
            self.remote = remote
        }
    }

    public struct Outcome: Sendable, Hashable {
        public var accepted: [AcceptedEdit] = []
        public var conflicts: [Conflict] = []

        public var isHeld: Bool { conflicts.contains { $0.resolution == .held } }
        public var isEmpty: Bool { accepted.isEmpty && conflicts.isEmpty }
    }

    /// - Parameter owns: which paths the local side holds at all (an unmapped column's value
    ///   at the provider is not ours to pull, nor a difference to act on).
    public func reconcile(_ input: Input, owns: (String) -> Bool = { _ in true }) -> Outcome {
        var outcome = Outcome()
        // Never confirmed: the local source is the truth on first contact.
        guard let base = input.base else { return outcome }
        let b = DocumentPaths.flatten(base)
        let l = DocumentPaths.flatten(input.local)
        let r = DocumentPaths.flatten(input.remote)
        for path in Set(b.keys).union(l.keys).union(r.keys).sorted() where owns(path) {
            let (bv, lv, rv) = (b[path], l[path], r[path])
            if DocumentPaths.same(rv, bv) { continue }  // no remote edit
            if DocumentPaths.same(lv, rv) { continue }  // both made the same edit
            if DocumentPaths.same(lv, bv) {
                outcome.accepted.append(AcceptedEdit(path: path, local: lv, remote: rv))
                continue
            }
            let (resolution, rule) = decide(input)
            outcome.conflicts.append(Conflict(path: path, base: bv, local: lv, remote: rv, resolution: resolution, rule: rule))
            if resolution == .remote { outcome.accepted.append(AcceptedEdit(path: path, local: lv, remote: rv)) }
        }
        return outcome
    }

    private func decide(_ input: Input) -> (Conflict.Resolution, String) {
        switch policy {
        case .local: return (.local, "conflict_policy local: the local source wins")
        case .remote: return (.remote, "conflict_policy remote: the provider's edit wins")
        case .manual: return (.held, "conflict_policy manual: held until resolved")
        case .newest:
            guard let local = input.localUpdatedAt else {
                return (.local, "conflict_policy newest: no local edit time, so the local source wins")
            }
            guard let remote = input.remoteUpdatedAt else {
                return (.local, "conflict_policy newest: the provider gave no edit time, so the local source wins")
            }
            return remote > local
                ? (.remote, "conflict_policy newest: the provider's edit is later")
                : (.local, "conflict_policy newest: the local edit is later")
        }
    }
}
