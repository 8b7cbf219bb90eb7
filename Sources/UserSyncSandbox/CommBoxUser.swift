import Foundation

/// A CommBox user as stored by the sandbox.
public struct SandboxCommBoxUser: Sendable, Equatable {
    /// CommBox's numeric id, the `{USER_ID}` of its routes.
    public var id: Int
    public var uniqueID: String?
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var phone1: String?
    public var phone2: String?
    public var remarks: String?
    /// Custom fields (`Content`), keyed by their "Unique Name".
    public var content: [String: SandboxJSON]
    /// E-mail identities (`streamProviderType` 4); an e-mail change adds one, as the old stays known.
    public var identityEmails: [String]
    public var createdAt: Date
    public var updatedAt: Date

    /// `data` of `GET /users/{id}`: lower-camel names, `content` and `userTags` as JSON strings.
    var apiJSON: SandboxJSON {
        var object = commonFields
        object["gender"] = .null
        object["content"] = .string(SandboxJSON.object(content).serialized())
        object["locale"] = "en"
        object["userTags"] = "[]"
        object["updatedAt"] = .string(SandboxTimestamp.ticks(updatedAt))
        return .object(object)
    }

    /// The admin API's shape: like `apiJSON`, but `content` is a real object.
    public var adminJSON: SandboxJSON {
        var object = commonFields
        object["content"] = .object(content)
        object["createdAt"] = .string(SandboxTimestamp.ticks(createdAt))
        object["updatedAt"] = .string(SandboxTimestamp.ticks(updatedAt))
        return .object(object)
    }

    private var commonFields: [String: SandboxJSON] {
        func text(_ value: String?) -> SandboxJSON { value.map(SandboxJSON.string) ?? .null }
        return [
            "id": .int(id),
            "uniqueId": text(uniqueID),
            "firstName": text(firstName),
            "lastName": text(lastName),
            "email": text(email),
            "phone1": text(phone1),
            "phone2": text(phone2),
            "remarks": text(remarks),
            "identities": .array(identityEmails.map { address in
                ["streamProviderId": .string(address), "streamProviderType": 4,
                 "firstName": text(firstName), "lastName": text(lastName)]
            }),
        ]
    }
}

/// A user to create directly; CommBox users are made in its console, not by the sync.
public struct SandboxCommBoxSeed: Sendable, Equatable {
    /// Numeric id to use; `nil` assigns the next one.
    public var id: Int?
    public var uniqueID: String?
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var phone1: String?
    public var phone2: String?
    public var remarks: String?
    public var content: [String: SandboxJSON]

    public init(
        id: Int? = nil, uniqueID: String? = nil, firstName: String? = nil, lastName: String? = nil,
        email: String? = nil, phone1: String? = nil, phone2: String? = nil, remarks: String? = nil,
        content: [String: SandboxJSON] = [:]
    ) {
        self.id = id
        self.uniqueID = uniqueID
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.phone1 = phone1
        self.phone2 = phone2
        self.remarks = remarks
        self.content = content
    }

    /// Reads `{"id", "uniqueId", "firstName", "lastName", "email", "phone1", "phone2", "remarks", "content"}`.
    init(json: SandboxJSON) throws {
        guard let object = json.objectValue else { throw SandboxError.invalid("each user must be an object") }
        let reader = FieldReader(object: object, context: "commbox user")
        try reader.allowOnly(["id", "uniqueId", "firstName", "lastName", "email", "phone1", "phone2", "remarks", "content"])
        self.init(
            id: try reader.int("id"), uniqueID: try reader.string("uniqueId"),
            firstName: try reader.string("firstName"), lastName: try reader.string("lastName"),
            email: try reader.string("email"), phone1: try reader.string("phone1"),
            phone2: try reader.string("phone2"), remarks: try reader.string("remarks"),
            content: try reader.object("content") ?? [:])
    }
}

/// A change with CommBox's update semantics: present fields override, `content` keys merge.
public struct SandboxCommBoxChange: Sendable, Equatable {
    public var uniqueID: String?
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var phone1: String?
    public var phone2: String?
    public var remarks: String?
    public var content: [String: SandboxJSON]?

    public init(
        uniqueID: String? = nil, firstName: String? = nil, lastName: String? = nil, email: String? = nil,
        phone1: String? = nil, phone2: String? = nil, remarks: String? = nil, content: [String: SandboxJSON]? = nil
    ) {
        self.uniqueID = uniqueID
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.phone1 = phone1
        self.phone2 = phone2
        self.remarks = remarks
        self.content = content
    }

    /// Reads the admin edit body, with the same lower-camel names as the seed.
    init(json: SandboxJSON) throws {
        guard let object = json.objectValue else { throw SandboxError.invalid("edit body must be an object") }
        let reader = FieldReader(object: object, context: "commbox edit")
        try reader.allowOnly(["uniqueId", "firstName", "lastName", "email", "phone1", "phone2", "remarks", "content"])
        self.init(
            uniqueID: try reader.string("uniqueId"), firstName: try reader.string("firstName"),
            lastName: try reader.string("lastName"), email: try reader.string("email"),
            phone1: try reader.string("phone1"), phone2: try reader.string("phone2"),
            remarks: try reader.string("remarks"), content: try reader.object("content"))
    }

    func apply(to user: inout SandboxCommBoxUser, now: Date) {
        if let uniqueID { user.uniqueID = uniqueID }
        if let firstName { user.firstName = firstName }
        if let lastName { user.lastName = lastName }
        if let phone1 { user.phone1 = phone1 }
        if let phone2 { user.phone2 = phone2 }
        if let remarks { user.remarks = remarks }
        if let email {
            user.email = email
            if !email.isEmpty, !user.identityEmails.contains(where: { $0.caseInsensitiveCompare(email) == .orderedSame }) {
                user.identityEmails.append(email)
            }
        }
        if let content { user.content.merge(content) { _, new in new } }
        user.updatedAt = now
    }
}
