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
}
