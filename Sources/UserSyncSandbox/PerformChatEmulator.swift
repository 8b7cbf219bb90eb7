import Foundation

/// perform.chat's customer-users API: credentials in the JSON body (even on GET), strict
/// NestJS-style validation, failed-authentication lockout, and users created only through
/// token generation.
struct PerformChatEmulator: Sendable {
    private(set) var users: [SandboxPerformChatUser] = []
    /// Positions in `users` by id and by external id: thousands of users stay fast in a debug build.
    private var positionByID: [String: Int] = [:]
    private var positionByExternalID: [String: Int] = [:]

    /// The only way users are added, so that the indexes stay right.
    private mutating func append(_ user: SandboxPerformChatUser) {
        positionByID[user.id] = users.count
        positionByExternalID[user.externalID] = users.count
        users.append(user)
    }
    var keyID: String
    var keySecret: String
    var tokenUserKey: SandboxTokenUserKey
    var retryAfterMode: SandboxRetryAfterMode
    private let authFailureLimit: Int
    private let authFailureWindow: TimeInterval
    private var failures: [String: RateWindow] = [:]
    private var tokenWindow: RateWindow
    private var nextNumber = 1
    private var issuedTokens = 0

    init(configuration: SandboxConfiguration) {
        keyID = configuration.credentials.performChatKeyID
        keySecret = configuration.credentials.performChatKeySecret
        tokenUserKey = configuration.tokenUserKey
        retryAfterMode = configuration.performChatLimit.retryAfterMode
        authFailureLimit = configuration.authFailureLimit
        authFailureWindow = configuration.authFailureWindowSeconds
        tokenWindow = RateWindow(limit: configuration.performChatTokenRequestsPerMinute)
    }

    static func route(method: String, segments: [String]) -> String? {
        switch (method, segments.count, segments.first) {
        case ("GET", 1, "customer-users"): return "GET /customer-users"
        case ("PUT", 2, "customer-users"): return "PUT /customer-users/:id"
        case ("POST", 2, "auth") where segments[1] == "token": return "POST /auth/token"
        default: return nil
        }
    }

    static func error(_ status: Int, _ message: String, headers: [(name: String, value: String)] = [])
        -> SandboxOutcome
    {
        let reason = SandboxReason.phrase(status)
        return .json(status, ["statusCode": .int(status), "message": .string(message), "error": .string(reason)],
                     headers: headers)
    }

    mutating func handle(_ request: SandboxRequest, segments: [String], now: Date) -> SandboxOutcome {
        guard let route = Self.route(method: request.method, segments: segments) else {
            return Self.error(404, "Cannot \(request.method) /rest/v1/\(segments.joined(separator: "/"))")
        }
        let body: [String: SandboxJSON]
        do {
            // No body at all: the classic GET-without-body client bug, which the real API sees as
            // missing credentials.
            guard let parsed = try request.jsonBody() else {
                return authenticate(keyID: nil, secret: nil, now: now) ?? Self.error(400, "Request body is required")
            }
            guard let object = parsed.objectValue else { return Self.error(400, "Request body must be a JSON object") }
            body = object
        } catch {
            return Self.error(400, "Unexpected token in JSON body")
        }
        if let locked = lockout(keyID: body["keyId"]?.stringValue, now: now) { return locked }
        let rule = Self.rules[route]!
        if let invalid = rule.violation(in: body) { return Self.error(400, invalid) }
        if let denied = authenticate(keyID: body["keyId"]?.stringValue, secret: body["keySecret"]?.stringValue, now: now) {
            return denied
        }
        switch route {
        case "GET /customer-users": return list(request, filters: body)
        case "PUT /customer-users/:id": return update(id: segments[1], body: body, now: now)
        default: return issueToken(body: body, now: now)
        }
    }

    // MARK: Authentication

    private func lockout(keyID: String?, now: Date) -> SandboxOutcome? {
        guard var window = failures[keyID ?? ""], let wait = window.wait(at: now) else { return nil }
        return Self.error(429, "Too many failed authentication attempts",
                          headers: retryAfterMode.headers(wait: wait, now: now))
    }

    /// `nil` when the pair is valid; otherwise the 401 (and the failure is counted for lockout).
    private mutating func authenticate(keyID: String?, secret: String?, now: Date) -> SandboxOutcome? {
        if keyID == self.keyID, secret == keySecret { return nil }
        let key = keyID ?? ""
        if let locked = lockout(keyID: key, now: now) { return locked }
        failures[key, default: RateWindow(limit: authFailureLimit, windowSeconds: authFailureWindow)].record(at: now)
        return Self.error(401, "Invalid API credentials")
    }

    // MARK: Routes

    private func list(_ request: SandboxRequest, filters: [String: SandboxJSON]) -> SandboxOutcome {
        guard let page = Self.positiveInt(request.queryValue("page"), default: 1) else {
            return Self.error(400, "page must be a positive integer")
        }
        guard let limit = Self.positiveInt(request.queryValue("limit"), default: 20) else {
            return Self.error(400, "limit must be a positive integer")
        }
        guard limit <= 100 else { return Self.error(400, "limit must not be greater than 100") }
        // By external id alone (one user's lookup): the index, not a scan.
        let candidates = filters["name"] == nil && filters["email"] == nil
            ? filters["external_id"]?.stringValue.map { id in positionByExternalID[id].map { [users[$0]] } ?? [] } ?? users
            : users
        let matching = candidates.filter { user in
            (filters["name"]?.stringValue).map { $0 == user.name } ?? true
                && (filters["email"]?.stringValue).map { $0 == user.email } ?? true
                && (filters["external_id"]?.stringValue).map { $0 == user.externalID } ?? true
        }
        let start = min((page - 1) * limit, matching.count)
        let slice = matching[start..<min(start + limit, matching.count)]
        let totalPages = (matching.count + limit - 1) / limit
        return .json(200, [
            "data": .array(slice.map(\.json)),
            "pagination": ["page": .int(page), "limit": .int(limit), "total": .int(matching.count),
                           "total_pages": .int(totalPages)],
        ])
    }

    private mutating func update(id: String, body: [String: SandboxJSON], now: Date) -> SandboxOutcome {
        guard let index = positionByID[id] else {
            return Self.error(404, "Customer user not found")
        }
        let change = SandboxPerformChatChange(
            name: body["name"]?.stringValue, email: body["email"]?.stringValue, metadata: body["metadata"]?.objectValue)
        apply(change, at: index, now: now)
        return .json(200, users[index].json)
    }

    private mutating func issueToken(body: [String: SandboxJSON], now: Date) -> SandboxOutcome {
        if let wait = tokenWindow.acquire(at: now) {
            return Self.error(429, "ThrottlerException: Too Many Requests",
                              headers: retryAfterMode.headers(wait: wait, now: now))
        }
        guard let lifetime = Self.seconds(body["expiresIn"]) else {
            return Self.error(400, "expiresIn must be a number of seconds or a duration like \"1h\"")
        }
        let externalID = body["userId"]!.stringValue!
        let index: Int
        if let existing = positionByExternalID[externalID] {
            index = existing
        } else {
            append(makeUser(SandboxPerformChatSeed(externalID: externalID), now: now))
            index = users.count - 1
        }
        users[index].lastSeenAt = now
        issuedTokens += 1
        var random = SystemRandomNumberGenerator()
        let token = "pct_\(issuedTokens)_" + String(random.next(), radix: 16)
        return .json(200, [
            "token": .string(token),
            "expiresAt": .string(SandboxTimestamp.milliseconds(now.addingTimeInterval(lifetime))),
            tokenUserKey.rawValue: users[index].json,
        ])
    }

    // MARK: Admin

    mutating func seed(_ seeds: [SandboxPerformChatSeed], now: Date) throws -> [SandboxPerformChatUser] {
        var known = Set(users.map(\.externalID))
        var ids = Set(users.map(\.id))
        for seed in seeds {
            guard known.insert(seed.externalID).inserted else {
                throw SandboxError.invalid("performchat user with external_id \(seed.externalID) already exists")
            }
            if let id = seed.id, !ids.insert(id).inserted {
                throw SandboxError.invalid("performchat user with id \(id) already exists")
            }
        }
        var created: [SandboxPerformChatUser] = []
        for seed in seeds {
            // One at a time, so generated ids skip ids given explicitly earlier in the batch.
            append(makeUser(seed, now: now))
            created.append(users[users.count - 1])
        }
        return created
    }

    mutating func edit(externalID: String, _ change: SandboxPerformChatChange, now: Date) throws -> SandboxPerformChatUser {
        guard let index = positionByExternalID[externalID] else {
            throw SandboxError.notFound("no performchat user with external_id \(externalID)")
        }
        apply(change, at: index, now: now)
        return users[index]
    }

    mutating func setTokenLimit(_ requestsPerMinute: Int?) {
        tokenWindow = RateWindow(limit: requestsPerMinute)
    }

    private mutating func apply(_ change: SandboxPerformChatChange, at index: Int, now: Date) {
        if let name = change.name { users[index].name = name }
        if let email = change.email { users[index].email = email }
        if let metadata = change.metadata { users[index].metadata = metadata }
        users[index].updatedAt = now
    }

    private mutating func makeUser(_ seed: SandboxPerformChatSeed, now: Date) -> SandboxPerformChatUser {
        var id = seed.id ?? ""
        while seed.id == nil && (id.isEmpty || positionByID[id] != nil) {
            id = "cu_\(nextNumber)"
            nextNumber += 1
        }
        return SandboxPerformChatUser(
            id: id, externalID: seed.externalID, name: seed.name, email: seed.email, metadata: seed.metadata,
            active: true, createdAt: now, updatedAt: now, lastSeenAt: now)
    }

    private static func positiveInt(_ text: String?, default value: Int) -> Int? {
        guard let text else { return value }
        guard let number = Int(text), number >= 1 else { return nil }
        return number
    }

    /// `expiresIn` as seconds: a number, or a string like `3600`, `30m`, `1h`, `7d`. Default one hour.
    private static func seconds(_ value: SandboxJSON?) -> TimeInterval? {
        guard let value, value != .null else { return 3600 }
        if let number = value.doubleValue { return number > 0 ? number : nil }
        guard var text = value.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var scale = 1.0
        if let unit = text.last, let factor = units[unit] {
            scale = factor
            text.removeLast()
        }
        guard let number = Double(text), number > 0 else { return nil }
        return number * scale
    }
}
