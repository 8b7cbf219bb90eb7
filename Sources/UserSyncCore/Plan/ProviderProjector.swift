/// Projects a canonical record onto the document one provider stores: only the fields we own,
/// named as the provider names them. Pure, so the planner can use it without any I/O.
///
/// A projected document leaves out what the record does not hold (a cleared name, a removed
/// metadata key). How a provider is told that a value it holds is gone, and what it holds
/// after it was told, is the projector's to say (`request`, `holding`): each API clears in
/// its own way, and some values cannot be cleared at all.
public protocol ProviderProjector: Sendable {
    var provider: ProviderID { get }

    /// The desired document, or why this record cannot be sent to this provider
    /// (for example a value over the provider's length limit).
    func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason>

    /// Exactly `project(record).map(\.digest)`: the same digest bit for bit, or the same
    /// rejection. The planner compares every user through this and projects only the users
    /// that changed, so a projector may implement it without building the document
    /// (see `CanonicalHasher`); the default builds it.
    func digest(_ record: UserRecord) -> Result<DocumentDigest, RejectionReason>

    /// What to send so that the provider ends up holding `desired`, given what it was last
    /// confirmed to hold: `desired` plus an explicit clear, as the API allows, for each value
    /// the provider holds (at a path `owns` accepts) that `desired` no longer has.
    func request(for desired: JSONValue, confirmed: JSONValue?, owns: (String) -> Bool) -> JSONValue

    /// What the provider holds once it accepted `request(for: desired, …)`, by its API's rules:
    /// what is recorded as confirmed, so that a later pull sees no phantom edit.
    func holding(after desired: JSONValue, confirmed: JSONValue?, owns: (String) -> Bool) -> JSONValue
}

extension ProviderProjector {
    public func digest(_ record: UserRecord) -> Result<DocumentDigest, RejectionReason> {
        project(record).map(\.digest)
    }

    public func request(for desired: JSONValue, confirmed: JSONValue?, owns: (String) -> Bool) -> JSONValue {
        desired
    }

    public func holding(after desired: JSONValue, confirmed: JSONValue?, owns: (String) -> Bool) -> JSONValue {
        desired
    }
}

/// The values a provider was confirmed to hold that a desired document no longer has.
public enum ClearedPaths {
    /// Top-level keys, and one level into the objects named in `nested` (`Content.Plan`),
    /// whose confirmed value is not empty, that `owns` accepts and `desired` lacks.
    public static func between(desired: JSONValue, confirmed: JSONValue?, nested: Set<String> = [], owns: (String) -> Bool) -> [String] {
        guard let held = confirmed?.objectValue else { return [] }
        let wanted = desired.objectValue ?? [:]
        var paths: [String] = []
        for (key, value) in held.sorted(by: { $0.key < $1.key }) {
            if nested.contains(key), let inner = value.objectValue {
                let wantedInner = wanted[key]?.objectValue ?? [:]
                for (innerKey, innerValue) in inner.sorted(by: { $0.key < $1.key })
                where wantedInner[innerKey] == nil && !innerValue.isEmptyValue && owns("\(key).\(innerKey)") {
                    paths.append("\(key).\(innerKey)")
                }
            } else if wanted[key] == nil && !value.isEmptyValue && owns(key) {
                paths.append(key)
            }
        }
        return paths
    }
}

extension JSONValue {
    /// Null or the empty string: what a provider holds for a value that is not there.
    public var isEmptyValue: Bool {
        switch self {
        case .null: return true
        case .string(let text): return text.isEmpty
        default: return false
        }
    }
}
