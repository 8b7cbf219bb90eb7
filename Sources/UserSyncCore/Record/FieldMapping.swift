/// Which source column feeds each canonical field (`source.fields` in the config).
public struct FieldMapping: Sendable, Hashable {
    public var externalID: String
    public var name: String?
    public var email: String?
    public var metadata: String?
    public var firstName: String?
    public var lastName: String?
    public var phone: String?
    public var performchatID: String?
    public var commboxID: String?

    public init(
        externalID: String = "id", name: String? = "name", email: String? = "email", metadata: String? = "metadata",
        firstName: String? = nil, lastName: String? = nil, phone: String? = nil,
        performchatID: String? = nil, commboxID: String? = nil
    ) {
        self.externalID = externalID
        self.name = name
        self.email = email
        self.metadata = metadata
        self.firstName = firstName
        self.lastName = lastName
        self.phone = phone
        self.performchatID = performchatID
        self.commboxID = commboxID
    }

    /// Canonical field name → column, for the mapped fields only (write-back uses it in reverse).
    public var columnsByField: [(field: String, column: String)] {
        let all: [(String, String?)] = [
            ("external_id", externalID), ("name", name), ("email", email), ("metadata", metadata),
            ("first_name", firstName), ("last_name", lastName), ("phone", phone),
            ("performchat_id", performchatID), ("commbox_id", commboxID),
        ]
        return all.compactMap { field, column in column.map { (field, $0) } }
    }
}
