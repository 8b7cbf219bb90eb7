import UserSyncCore

/// perform.chat's fields are ours one to one: `name`, `email`, `metadata.<key>`.
extension PerformChatProjector: RemoteFieldMapping {
    public func owns(_ path: String, mapping: FieldMapping) -> Bool {
        switch path {
        case "name": return mapping.name != nil
        case "email": return mapping.email != nil
        default: return path.hasPrefix("metadata.") && mapping.metadata != nil
        }
    }

    public func ownedPaths(mapping: FieldMapping) -> [String] {
        ["name", "email"].filter { owns($0, mapping: mapping) }
    }

    public func canonicalEdits(_ accepted: [Reconciler.AcceptedEdit], remote: JSONValue, record: UserRecord) -> [CanonicalEdit] {
        accepted.map { CanonicalEdit(field: $0.path, old: record.value(of: $0.path), new: $0.remote) }
    }
}
