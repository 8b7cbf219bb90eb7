import UserSyncCore

/// EchoDesk keeps `name`, `email` and the whole `metadata` object, named as we name them.
struct EchoDeskProjector: ProviderProjector, RemoteFieldMapping {
    let provider = ProviderID.echodesk

    func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason> {
        var document: [String: JSONValue] = ["metadata": .object(record.metadata)]
        if let name = record.name { document["name"] = .string(name) }
        if let email = record.email { document["email"] = .string(email) }
        return .success(.object(document))
    }

    func owns(_ path: String, mapping: FieldMapping) -> Bool {
        switch path {
        case "name": return mapping.name != nil
        case "email": return mapping.email != nil
        default: return path.hasPrefix("metadata.") && mapping.metadata != nil
        }
    }

    func ownedPaths(mapping: FieldMapping) -> [String] {
        ["name", "email"].filter { owns($0, mapping: mapping) }
    }

    func canonicalEdits(_ accepted: [Reconciler.AcceptedEdit], remote: JSONValue, record: UserRecord) -> [CanonicalEdit] {
        accepted.map { CanonicalEdit(field: $0.path, old: record.value(of: $0.path), new: $0.remote) }
    }
}
