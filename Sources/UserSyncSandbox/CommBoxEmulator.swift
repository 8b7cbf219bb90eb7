import Foundation

/// CommBox's users API: Bearer token, the `{"data": {...}}` envelope with capitalised names on
/// update, lower-camel names with `content` as a JSON string on read, lookup by identity.
struct CommBoxEmulator: Sendable {
    private(set) var users: [SandboxCommBoxUser] = []
    /// Positions in `users` by id and by lower-cased e-mail identity (in creation order):
    /// thousands of users stay fast in a debug build.
    private var positionByID: [Int: Int] = [:]
    private var positionsByIdentity: [String: [Int]] = [:]

    /// Applies a change to the user at `position`, indexing the identity an e-mail change adds.
    private mutating func apply(_ change: SandboxCommBoxChange, at position: Int, now: Date) {
        change.apply(to: &users[position], now: now)
        for email in users[position].identityEmails { index(identity: email, at: position) }
    }

    private mutating func index(identity email: String, at position: Int) {
        let key = email.lowercased()
        if positionsByIdentity[key]?.contains(position) != true { positionsByIdentity[key, default: []].append(position) }
    }
    var token: String
    private var nextID = Self.firstID

    /// Far from 1 so that an adapter mixing up our ids and CommBox's fails loudly.
    static let firstID = 100_001
    static let emailIdentityType = 4
    /// The documented limits, counted in UTF-16 units as .NET does.
    static let lengthLimits: [(field: String, limit: Int)] = [
        ("UniqueId", 50), ("FirstName", 100), ("LastName", 100), ("Email", 255), ("Phone1", 100), ("Phone2", 100),
    ]

    init(token: String) {
        self.token = token
    }

    static func route(_ request: SandboxRequest, segments: [String]) -> String? {
        guard segments.count == 2, segments[0] == "users" else { return nil }
        switch request.method {
        case "POST": return "POST /users/:id"
        case "GET":
            let lookup = request.queryValue("streamProviderId") != nil || request.queryValue("streamProviderType") != nil
            return lookup ? "GET /users/by-identity" : "GET /users/:id"
        default: return nil
        }
    }

    static func error(_ status: Int, _ description: String? = nil, headers: [(name: String, value: String)] = [])
        -> SandboxOutcome
    {
        .json(status, ["status": .string(String(status)), "description": .string(description ?? SandboxReason.phrase(status))],
              headers: headers)
    }

    private static func success(_ data: SandboxJSON, now: Date) -> SandboxOutcome {
        .json(200, ["status": "200", "description": "Operation successful",
                    "response_time": .string(SandboxTimestamp.ticks(now)), "data": data])
    }

    mutating func handle(_ request: SandboxRequest, segments: [String], now: Date) -> SandboxOutcome {
        guard authorized(request.header("Authorization")) else { return Self.error(401, "Unauthorized") }
        guard let route = Self.route(request, segments: segments) else { return Self.error(404, "Not found") }
        switch route {
        case "POST /users/:id": return update(idText: segments[1], request: request, now: now)
        case "GET /users/by-identity": return lookup(request, now: now)
        default:
            guard let id = Int(segments[1]) else { return Self.error(400, "USER_ID must be a number") }
            guard let user = positionByID[id].map({ users[$0] }) else { return Self.error(404, "User not found") }
            return Self.success(user.apiJSON, now: now)
        }
    }

    private func authorized(_ header: String?) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        return header.dropFirst(7).trimmingCharacters(in: .whitespaces) == token
    }

    private func lookup(_ request: SandboxRequest, now: Date) -> SandboxOutcome {
        guard let address = request.queryValue("streamProviderId"), !address.isEmpty,
            let typeText = request.queryValue("streamProviderType")
        else {
            return Self.error(400, "streamProviderId and streamProviderType must be given together")
        }
        guard let type = Int(typeText) else { return Self.error(400, "streamProviderType must be a number") }
        let user = type == Self.emailIdentityType ? positionsByIdentity[address.lowercased()]?.sorted().first.map { users[$0] } : nil
        guard let user else { return Self.error(404, "User not found") }
        return Self.success(user.apiJSON, now: now)
    }

    private mutating func update(idText: String, request: SandboxRequest, now: Date) -> SandboxOutcome {
        guard let id = Int(idText) else { return Self.error(400, "USER_ID must be a number") }
        let change: SandboxCommBoxChange
        switch Self.parseUpdate(request) {
        case .success(let parsed): change = parsed
        case .failure(let error): return Self.error(400, error.description)
        }
        guard let index = positionByID[id] else { return Self.error(404, "User not found") }
        apply(change, at: index, now: now)
        return Self.success(["Id": .int(id)], now: now)
    }

    /// Reads `{"data": {...}}`. Null fields count as absent; unknown fields are ignored, as
    /// model binding in the real service would.
    private static func parseUpdate(_ request: SandboxRequest) -> Result<SandboxCommBoxChange, SandboxError> {
        let body: SandboxJSON?
        do { body = try request.jsonBody() } catch { return .failure(.invalid("Body is not valid JSON")) }
        guard let data = body?["data"]?.objectValue else {
            return .failure(.invalid("Body must be an object with a \"data\" object"))
        }
        var strings: [String: String] = [:]
        for field in ["UniqueId", "FirstName", "LastName", "Email", "Phone1", "Phone2", "Remarks"] {
            guard let value = data[field], value != .null else { continue }
            guard let text = value.stringValue else { return .failure(.invalid("\(field) must be a string")) }
            strings[field] = text
        }
        for (field, limit) in lengthLimits {
            if let text = strings[field], text.utf16.count > limit {
                return .failure(.invalid("\(field) exceeds the maximum length of \(limit)"))
            }
        }
        var content: [String: SandboxJSON]?
        if let value = data["Content"], value != .null {
            guard let object = value.objectValue else { return .failure(.invalid("Content must be an object")) }
            content = object
        }
        return .success(SandboxCommBoxChange(
            uniqueID: strings["UniqueId"], firstName: strings["FirstName"], lastName: strings["LastName"],
            email: strings["Email"], phone1: strings["Phone1"], phone2: strings["Phone2"],
            remarks: strings["Remarks"], content: content))
    }

    // MARK: Admin

    mutating func seed(_ seeds: [SandboxCommBoxSeed], now: Date) throws -> [SandboxCommBoxUser] {
        var ids = Set(users.map(\.id))
        for seed in seeds {
            if let id = seed.id {
                guard id > 0 else { throw SandboxError.invalid("commbox user id must be positive") }
                guard ids.insert(id).inserted else { throw SandboxError.invalid("commbox user with id \(id) already exists") }
            }
        }
        var created: [SandboxCommBoxUser] = []
        for seed in seeds {
            var id = seed.id ?? 0
            while seed.id == nil && (id == 0 || positionByID[id] != nil) {
                id = nextID
                nextID += 1
            }
            let user = SandboxCommBoxUser(
                id: id, uniqueID: seed.uniqueID, firstName: seed.firstName, lastName: seed.lastName,
                email: seed.email, phone1: seed.phone1, phone2: seed.phone2, remarks: seed.remarks,
                content: seed.content, identityEmails: seed.email.map { $0.isEmpty ? [] : [$0] } ?? [],
                createdAt: now, updatedAt: now)
            positionByID[id] = users.count
            for email in user.identityEmails { index(identity: email, at: users.count) }
            users.append(user)
            created.append(user)
        }
        return created
    }

    mutating func edit(id: Int, _ change: SandboxCommBoxChange, now: Date) throws -> SandboxCommBoxUser {
        guard let index = positionByID[id] else {
            throw SandboxError.notFound("no commbox user with id \(id)")
        }
        apply(change, at: index, now: now)
        return users[index]
    }
}
