/// A change to one canonical field of one user, accepted from a provider and to be written
/// back to the local source. Field names are canonical: `name`, `email`, `phone`,
/// `first_name`, `last_name`, or `metadata.<key>` for one metadata key.
public struct FieldChange: Sendable, Hashable {
    public let externalID: String
    public let field: String
    /// The local value before the change (nil: absent).
    public let oldValue: JSONValue?
    /// The accepted value (nil: the field was removed, e.g. a metadata key deleted remotely).
    public let newValue: JSONValue?
    /// Where the change came from.
    public let provider: ProviderID
    /// Seconds since 1970.
    public let time: Double

    public init(externalID: String, field: String, oldValue: JSONValue?, newValue: JSONValue?, provider: ProviderID, time: Double) {
        self.externalID = externalID
        self.field = field
        self.oldValue = oldValue
        self.newValue = newValue
        self.provider = provider
        self.time = time
    }

    /// `metadata.plan` → `plan`; nil for a top-level field.
    public var metadataKey: String? {
        field.hasPrefix("metadata.") ? String(field.dropFirst("metadata.".count)) : nil
    }

    /// The change as one line of the inbound changes file.
    public var document: JSONValue {
        .object([
            "provider": .string(provider.rawValue), "external_id": .string(externalID), "field": .string(field),
            "old": oldValue ?? .null, "new": newValue ?? .null, "time": .number(String(Int64(time * 1000)) + "e-3"),
        ])
    }
}
