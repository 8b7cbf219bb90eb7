import UserSyncCore

/// What perform.chat stores of a user: `name`, `email` and the complete `metadata` object
/// (its PUT replaces metadata whole, so the document always carries all of it).
///
/// Clears: a PUT keeps a `name` or `email` it is not given, so a cleared name is sent as
/// `""`; a metadata key is cleared by sending the object without it. Its API refuses an
/// e-mail that is not an address (`""` and `null` included), so an e-mail cannot be cleared:
/// the old address stays there, and is recorded as held (never taken for a remote edit).
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

    public func request(for desired: JSONValue, confirmed: JSONValue?, owns: (String) -> Bool) -> JSONValue {
        guard var document = desired.objectValue else { return desired }
        for path in ClearedPaths.between(desired: desired, confirmed: confirmed, owns: owns) where path == "name" {
            document[path] = .string("")
        }
        return .object(document)
    }

    public func holding(after desired: JSONValue, confirmed: JSONValue?, owns: (String) -> Bool) -> JSONValue {
        guard var document = desired.objectValue else { return desired }
        if document["email"] == nil, let kept = confirmed?["email"], !kept.isEmptyValue, owns("email") {
            document["email"] = kept
        }
        return .object(document)
    }

    /// The fields a cleared local value leaves standing at perform.chat.
    public static let unclearableFields: Set<String> = ["email"]
}
