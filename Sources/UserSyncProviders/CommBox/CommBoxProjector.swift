import UserSyncCore

/// What CommBox stores of a user, in its own capitalised field names. Length limits are
/// checked here so that an over-long value becomes a rejected row, never a request.
public struct CommBoxProjector: ProviderProjector {
    public let provider = ProviderID.commbox

    /// The documented field limits (CommBox "Update User").
    public static let limits: [String: Int] = [
        "UniqueId": 50, "FirstName": 100, "LastName": 100, "Email": 255, "Phone1": 100, "Phone2": 100,
    ]

    /// metadata key → CommBox custom field "Unique Name" (`providers.commbox.content`).
    public let contentMapping: [String: String]

    public init(contentMapping: [String: String] = [:]) {
        self.contentMapping = contentMapping
    }

    public func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason> {
        var data: [String: JSONValue] = ["UniqueId": .string(record.externalID)]
        let (first, last) = Self.split(record)
        if let first { data["FirstName"] = .string(first) }
        if let last { data["LastName"] = .string(last) }
        if let email = record.email { data["Email"] = .string(email) }
        if let phone = record.phone { data["Phone1"] = .string(phone) }
        for (field, value) in data {
            guard let limit = Self.limits[field], case .string(let text) = value else { continue }
            let length = text.unicodeScalars.count
            if length > limit {
                return .failure(.fieldTooLong(field: field, length: length, limit: limit, provider: "CommBox"))
            }
        }
        var content: [String: JSONValue] = [:]
        for (key, customField) in contentMapping {
            guard let value = record.metadata[key] else { continue }
            content[customField] = .string(Self.customFieldText(value))
        }
        if !content.isEmpty { data["Content"] = .object(content) }
        return .success(.object(data))
    }

    /// Separate first/last name columns win; else the name splits on its first space.
    static func split(_ record: UserRecord) -> (String?, String?) {
        if record.firstName != nil || record.lastName != nil { return (record.firstName, record.lastName) }
        guard let name = record.name?.trimmingCharacters(in: " ") else { return (nil, nil) }
        guard let space = name.firstIndex(of: " ") else { return (name.isEmpty ? nil : name, nil) }
        let rest = name[name.index(after: space)...].trimmingCharacters(in: " ")
        return (String(name[..<space]), rest.isEmpty ? nil : rest)
    }

    /// Custom fields hold text: scalars by their text, nested values as JSON text.
    static func customFieldText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .null: return ""
        case .number, .bool: return value.scalarText!
        case .array, .object: return value.canonicalText
        }
    }
}

extension StringProtocol {
    func trimmingCharacters(in character: Character) -> String {
        var slice = self[...]
        while slice.first == character { slice = slice.dropFirst() }
        while slice.last == character { slice = slice.dropLast() }
        return String(slice)
    }
}
