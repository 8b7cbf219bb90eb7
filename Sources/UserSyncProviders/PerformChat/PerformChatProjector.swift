import UserSyncCore

/// What perform.chat stores of a user: `name`, `email` and the complete `metadata` object
/// (its PUT replaces metadata whole, so the document always carries all of it).
public struct PerformChatProjector: ProviderProjector {
    public let provider = ProviderID.performchat

    public init() {}

    public func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason> {
        var document: [String: JSONValue] = ["metadata": .object(record.metadata)]
        if let name = record.name { document["name"] = .string(name) }
        if let email = record.email { document["email"] = .string(email) }
        return .success(.object(document))
    }

    /// The digest of `project(record)` without building it: the planner calls this for every
    /// user, and `project` only for those that changed. Keys in canonical (UTF-8 byte)
    /// order: email < metadata < name.
    public func digest(_ record: UserRecord) -> Result<DocumentDigest, RejectionReason> {
        var hasher = CanonicalHasher()
        if let email = record.email {
            hasher.raw(#"{"email":"#)
            hasher.string(email)
            hasher.raw(#","metadata":"#)
        } else {
            hasher.raw(#"{"metadata":"#)
        }
        hasher.object(record.metadata)
        if let name = record.name {
            hasher.raw(#","name":"#)
            hasher.string(name)
        }
        hasher.raw("}")
        return .success(hasher.digest)
    }
}
