import UserSyncCore

/// A batch of changes sorted for writing: the writable ones grouped by external id (in
/// input order), the others already skipped. Writers record each edit's outcome; whatever
/// has none at the end belongs to a user no row matched.
struct WriteBackPlan {
    struct Edit {
        /// Position in the batch, so results keep the input order.
        let index: Int
        let change: FieldChange
        let target: WriteBackTarget
    }

    enum Outcome {
        case applied
        case skipped(SkippedChange.Reason)
    }

    let changes: [FieldChange]
    /// Writable edits by external id, in input order within each user.
    private(set) var editsByID: [String: [Edit]] = [:]
    private var outcomes: [Outcome?]

    init(_ changes: [FieldChange], mapping: FieldMapping) {
        self.changes = changes
        outcomes = Array(repeating: nil, count: changes.count)
        for (index, change) in changes.enumerated() {
            switch WriteBackTarget.resolve(change, mapping: mapping) {
            case .target(let target):
                editsByID[change.externalID, default: []].append(Edit(index: index, change: change, target: target))
            case .skip(let reason):
                outcomes[index] = .skipped(reason)
            }
        }
    }

    var isEmpty: Bool { editsByID.isEmpty }

    /// Every external id with something to write.
    var externalIDs: Dictionary<String, [Edit]>.Keys { editsByID.keys }

    func edits(for externalID: String) -> [Edit]? {
        editsByID[externalID]
    }

    /// Records what became of an edit. `applied` wins over a skip recorded for another row
    /// with the same id.
    mutating func record(_ edit: Edit, _ outcome: Outcome) {
        if case .applied? = outcomes[edit.index] { return }
        outcomes[edit.index] = outcome
    }

    /// Marks every edit of `externalID` with `outcome`.
    mutating func recordAll(_ externalID: String, _ outcome: Outcome) {
        for edit in editsByID[externalID] ?? [] { record(edit, outcome) }
    }

    /// The result: edits with no outcome are users no row matched.
    var result: WriteBackResult {
        var result = WriteBackResult()
        for (index, outcome) in outcomes.enumerated() {
            switch outcome ?? .skipped(.userNotFound) {
            case .applied: result.applied += 1
            case .skipped(let reason): result.skipped.append(SkippedChange(change: changes[index], reason: reason))
            }
        }
        return result
    }
}
