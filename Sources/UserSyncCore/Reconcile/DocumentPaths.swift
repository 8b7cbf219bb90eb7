/// A provider document flattened into comparable paths: top-level keys, and one level into
/// object values (`metadata.plan`, `Content.Plan`), so metadata merges key by key.
public enum DocumentPaths {
    public static func flatten(_ document: JSONValue?) -> [String: JSONValue] {
        var paths: [String: JSONValue] = [:]
        for (key, value) in document?.objectValue ?? [:] {
            if case .object(let inner) = value {
                for (innerKey, innerValue) in inner { paths["\(key).\(innerKey)"] = innerValue }
            } else {
                paths[key] = value
            }
        }
        return paths
    }

    /// Values compare by canonical text, exactly as digests do.
    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return a.canonicalText == b.canonicalText
        default: return false
        }
    }
}
