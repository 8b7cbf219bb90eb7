/// How a provider's document paths lead back to canonical fields: which paths the local side
/// holds at all, and how accepted remote edits become local field changes. Projectors that
/// rename or reshape fields conform; others map paths to fields one to one.
public protocol RemoteFieldMapping: Sendable {
    /// Whether the local side (with this column mapping) holds the value at `path`.
    func owns(_ path: String, mapping: FieldMapping) -> Bool

    /// The canonical field changes for accepted edits at this provider.
    func canonicalEdits(_ accepted: [Reconciler.AcceptedEdit], remote: JSONValue, record: UserRecord) -> [CanonicalEdit]

    /// Every path of the provider's document the local side holds under this mapping, also
    /// when neither side has a value (so that `explain` shows a cleared field).
    func ownedPaths(mapping: FieldMapping) -> [String]
}

/// A change to one canonical field (`name`, `email`, `metadata.plan`, ...), before it is
/// stamped with its provider and time as a `FieldChange`.
public struct CanonicalEdit: Sendable, Hashable {
    public let field: String
    public let old: JSONValue?
    public let new: JSONValue?

    public init(field: String, old: JSONValue?, new: JSONValue?) {
        self.field = field
        self.old = old
        self.new = new
    }
}

extension UserRecord {
    /// The current value of a canonical field (`metadata.<key>` reads one key).
    public func value(of field: String) -> JSONValue? {
        if field.hasPrefix("metadata.") { return metadata[String(field.dropFirst("metadata.".count))] }
        let text: String?
        switch field {
        case "name": text = name
        case "email": text = email
        case "phone": text = phone
        case "first_name": text = firstName
        case "last_name": text = lastName
        default: text = nil
        }
        return text.map(JSONValue.string)
    }

    /// A copy with one canonical field set (nil removes it).
    public func setting(_ field: String, to value: JSONValue?) -> UserRecord {
        var copy = self
        if field.hasPrefix("metadata.") {
            copy.metadata[String(field.dropFirst("metadata.".count))] = value
            return copy
        }
        let text = value.flatMap { $0.scalarText }
        switch field {
        case "name": copy.name = text
        case "email": copy.email = text
        case "phone": copy.phone = text
        case "first_name": copy.firstName = text
        case "last_name": copy.lastName = text
        default: break
        }
        return copy
    }
}

extension FieldMapping {
    /// The source column of a canonical field (`metadata.<key>` lives in the metadata column).
    public func column(for field: String) -> String? {
        if field.hasPrefix("metadata.") { return metadata }
        return columnsByField.first { $0.field == field }?.column
    }
}
