import Foundation

/// A perform.chat customer user as stored by the sandbox.
public struct SandboxPerformChatUser: Sendable, Equatable {
    /// The provider's id, e.g. `cu_1`.
    public var id: String
    /// Our id: the join key.
    public var externalID: String
    public var name: String?
    public var email: String?
    public var metadata: [String: SandboxJSON]
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var lastSeenAt: Date

    /// The wire shape (`external_id`, `created_at`, … as ISO 8601 with milliseconds).
    public var json: SandboxJSON {
        .object([
            "id": .string(id),
            "external_id": .string(externalID),
            "name": name.map(SandboxJSON.string) ?? .null,
            "email": email.map(SandboxJSON.string) ?? .null,
            "metadata": .object(metadata),
            "active": .bool(active),
            "created_at": .string(SandboxTimestamp.milliseconds(createdAt)),
            "updated_at": .string(SandboxTimestamp.milliseconds(updatedAt)),
            "last_seen_at": .string(SandboxTimestamp.milliseconds(lastSeenAt)),
        ])
    }
}

/// A user to create directly, as if it had opened the chat before the test began.
public struct SandboxPerformChatSeed: Sendable, Equatable {
    /// Provider id to use; `nil` assigns the next `cu_<n>`.
    public var id: String?
    public var externalID: String
    public var name: String?
    public var email: String?
    public var metadata: [String: SandboxJSON]

    public init(
        id: String? = nil, externalID: String, name: String? = nil, email: String? = nil,
        metadata: [String: SandboxJSON] = [:]
    ) {
        self.id = id
        self.externalID = externalID
        self.name = name
        self.email = email
        self.metadata = metadata
    }

    /// Reads `{"external_id", "name", "email", "metadata", "id"}`.
    init(json: SandboxJSON) throws {
        guard let object = json.objectValue else { throw SandboxError.invalid("each user must be an object") }
        let reader = FieldReader(object: object, context: "performchat user")
        try reader.allowOnly(["id", "external_id", "name", "email", "metadata"])
        self.init(
            id: try reader.string("id"),
            externalID: try reader.requiredString("external_id"),
            name: try reader.string("name"),
            email: try reader.string("email"),
            metadata: try reader.object("metadata") ?? [:])
    }
}

/// A change made "on the provider side", as an agent editing the user in perform.chat would.
public struct SandboxPerformChatChange: Sendable, Equatable {
    public var name: String?
    public var email: String?
    /// Replaces the stored metadata whole, like the real `PUT`.
    public var metadata: [String: SandboxJSON]?

    public init(name: String? = nil, email: String? = nil, metadata: [String: SandboxJSON]? = nil) {
        self.name = name
        self.email = email
        self.metadata = metadata
    }

    init(json: SandboxJSON) throws {
        guard let object = json.objectValue else { throw SandboxError.invalid("edit body must be an object") }
        let reader = FieldReader(object: object, context: "performchat edit")
        try reader.allowOnly(["name", "email", "metadata"])
        self.init(name: try reader.string("name"), email: try reader.string("email"), metadata: try reader.object("metadata"))
    }
}
