/// Names the fields that differ between two documents, for logs and the dry-run: top-level
/// keys, and one level into nested objects (`metadata.plan`, `Content.Plan`).
public enum DocumentDiff {
    public static func changedFields(from old: JSONValue?, to new: JSONValue?) -> [String] {
        let before = old?.objectValue ?? [:]
        let after = new?.objectValue ?? [:]
        var fields: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() where differ(before[key], after[key]) {
            if case .object(let a)? = before[key], case .object(let b)? = after[key] {
                for inner in Set(a.keys).union(b.keys).sorted() where differ(a[inner], b[inner]) {
                    fields.append("\(key).\(inner)")
                }
            } else if before[key] == nil, case .object(let b)? = after[key], !b.isEmpty {
                fields.append(contentsOf: b.keys.sorted().map { "\(key).\($0)" })
            } else {
                fields.append(key)
            }
        }
        return fields
    }

    /// By canonical bytes, exactly as digests compare: `3` and `3.0` are the same value, and
    /// two Unicode-equivalent spellings are not.
    static func differ(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        a.map { Array($0.canonicalText.utf8) } != b.map { Array($0.canonicalText.utf8) }
    }
}
