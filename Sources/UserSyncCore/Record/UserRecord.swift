/// The canonical user record every source is mapped onto and every provider is projected from.
public struct UserRecord: Sendable, Hashable {
    public var externalID: String
    public var name: String?
    public var email: String?
    public var metadata: [String: JSONValue]
    public var firstName: String?
    public var lastName: String?
    public var phone: String?
    /// Each provider's own id of this user, where the source holds it (`source.fields.<provider>_id`).
    public var providerIDs: [ProviderID: String]

    public init(
        externalID: String, name: String? = nil, email: String? = nil, metadata: [String: JSONValue] = [:],
        firstName: String? = nil, lastName: String? = nil, phone: String? = nil,
        providerIDs: [ProviderID: String] = [:]
    ) {
        self.externalID = externalID
        self.name = name
        self.email = email
        self.metadata = metadata
        self.firstName = firstName
        self.lastName = lastName
        self.phone = phone
        self.providerIDs = providerIDs
    }

    /// The record as a JSON object (for the merge base and `explain`). Provider ids keep
    /// their `<provider>_id` keys, so documents stored before and after read alike.
    public var document: JSONValue {
        var object: [String: JSONValue] = ["external_id": .string(externalID), "metadata": .object(metadata)]
        let optional: [(String, String?)] = [
            ("name", name), ("email", email), ("first_name", firstName), ("last_name", lastName), ("phone", phone),
        ]
        for (key, value) in optional {
            if let value { object[key] = .string(value) }
        }
        for (provider, id) in providerIDs { object[provider.idField] = .string(id) }
        return .object(object)
    }
}

extension UserRecord {
    /// The inverse of `document`, for records kept in the state database.
    public init?(document: JSONValue) {
        guard case .object(let o) = document, let id = o["external_id"]?.stringValue else { return nil }
        var providerIDs: [ProviderID: String] = [:]
        for (key, value) in o {
            if let provider = ProviderID(idField: key), let text = value.stringValue { providerIDs[provider] = text }
        }
        self.init(
            externalID: id, name: o["name"]?.stringValue, email: o["email"]?.stringValue,
            metadata: o["metadata"]?.objectValue ?? [:], firstName: o["first_name"]?.stringValue,
            lastName: o["last_name"]?.stringValue, phone: o["phone"]?.stringValue, providerIDs: providerIDs)
    }
}
