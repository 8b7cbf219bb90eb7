/// Which source column feeds each canonical field (`source.fields` in the config).
public struct FieldMapping: Sendable, Hashable {
    public var externalID: String
    public var name: String?
    public var email: String?
    public var metadata: String?
    public var firstName: String?
    public var lastName: String?
    public var phone: String?
    /// The column holding each provider's own id of a user (`source.fields.<provider>_id`).
    public var providerIDs: [ProviderID: String]
    /// `source.fields.updated_at`: when the row was last edited (ISO 8601 text, or seconds
    /// since 1970). Read only to settle conflicts under `conflict_policy: newest`; never sent.
    public var updatedAt: String?

    public init(
        externalID: String = "id", name: String? = "name", email: String? = "email", metadata: String? = "metadata",
        firstName: String? = nil, lastName: String? = nil, phone: String? = nil,
        providerIDs: [ProviderID: String] = [:], updatedAt: String? = nil
    ) {
        self.externalID = externalID
        self.name = name
        self.email = email
        self.metadata = metadata
        self.firstName = firstName
        self.lastName = lastName
        self.phone = phone
        self.providerIDs = providerIDs
        self.updatedAt = updatedAt
    }

    /// Every column a read needs: the mapped fields' and `updated_at`'s, each once.
    public var readColumns: [String] {
        var seen = Set<String>()
        return (columnsByField.map(\.column) + [updatedAt].compactMap { $0 }).filter { seen.insert($0).inserted }
    }

    /// Canonical field name → column, for the mapped fields only (write-back uses it in reverse).
    /// Provider id fields come last, by provider name, so the order is stable.
    public var columnsByField: [(field: String, column: String)] {
        let all: [(String, String?)] = [
            ("external_id", externalID), ("name", name), ("email", email), ("metadata", metadata),
            ("first_name", firstName), ("last_name", lastName), ("phone", phone),
        ]
        return all.compactMap { field, column in column.map { (field, $0) } }
            + providerIDs.sorted { $0.key < $1.key }.map { ($0.key.idField, $0.value) }
    }
}
