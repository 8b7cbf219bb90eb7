/// Why a source row was not synced. Each case has a stable, label-safe `code` for counts and
/// metrics, and a `message` an operator can act on.
public enum RejectionReason: Error, Sendable, Hashable {
    case unparseable(String)
    case invalidUTF8
    case missingExternalID
    case duplicateExternalID(String)
    case invalidEmail(String)
    case metadataNotObject(String)
    case fieldTooLong(field: String, length: Int, limit: Int, provider: String)
    case invalidField(field: String, reason: String)

    public var code: String {
        switch self {
        case .unparseable: return "unparseable"
        case .invalidUTF8: return "invalid_utf8"
        case .missingExternalID: return "missing_external_id"
        case .duplicateExternalID: return "duplicate_external_id"
        case .invalidEmail: return "invalid_email"
        case .metadataNotObject: return "metadata_not_object"
        case .fieldTooLong: return "field_too_long"
        case .invalidField: return "invalid_field"
        }
    }

    public var message: String {
        switch self {
        case .unparseable(let why): return "row does not parse: \(why)"
        case .invalidUTF8: return "row is not valid UTF-8"
        case .missingExternalID: return "external id is missing or empty"
        case .duplicateExternalID(let id): return "external id \"\(id)\" appears more than once; every copy is skipped until it is unique"
        case .invalidEmail(let why): return "invalid e-mail address: \(why)"
        case .metadataNotObject(let kind): return "metadata must be a JSON object, got \(kind)"
        case .fieldTooLong(let field, let length, let limit, let provider):
            return "\(field) is \(length) characters, \(provider) accepts at most \(limit)"
        case .invalidField(let field, let why): return "\(field): \(why)"
        }
    }
}

/// A rejected row: where it is, whose it is (when known), and why.
public struct Rejection: Error, Sendable, Hashable {
    public let location: SourceLocation
    public let externalID: String?
    public let reason: RejectionReason
    /// Set when only this provider refuses the row (a value over its limit): the row still
    /// syncs to the others.
    public let provider: ProviderID?

    public init(location: SourceLocation, externalID: String?, reason: RejectionReason, provider: ProviderID? = nil) {
        self.location = location
        self.externalID = externalID
        self.reason = reason
        self.provider = provider
    }
}
