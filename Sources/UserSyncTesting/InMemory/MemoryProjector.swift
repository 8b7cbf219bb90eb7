import UserSyncCore
import UserSyncProviders

/// The in-memory provider's document: name, email and the whole metadata object.
public struct MemoryProjector: ProviderProjector {
    public let provider: ProviderID = "memory"

    public init() {}

    public func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason> {
        var document: [String: JSONValue] = ["metadata": .object(record.metadata)]
        if let name = record.name { document["name"] = .string(name) }
        if let email = record.email { document["email"] = .string(email) }
        return .success(.object(document))
    }
}
