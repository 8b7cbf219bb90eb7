/// The body a perform.chat route accepts, checked like NestJS's `ValidationPipe` with
/// `whitelist` and `forbidNonWhitelisted`: unknown keys and wrong types are a 400.
struct PerformChatBodyRule: Sendable {
    enum Kind: Sendable {
        case string
        /// A string that is an e-mail address (class-validator's `IsEmail`): `""` is refused,
        /// which is why an e-mail cannot be cleared at perform.chat.
        case email
        case object
        case numberOrString
    }

    /// Allowed keys, in the order their errors are reported.
    let fields: [(name: String, kind: Kind)]
    let required: Set<String>

    /// The first error message, or `nil` when the body is acceptable. Missing credentials are
    /// not a validation error: they fall through to authentication and get a 401.
    func violation(in body: [String: SandboxJSON]) -> String? {
        let allowed = Set(fields.map(\.name))
        if let unknown = body.keys.sorted().first(where: { !allowed.contains($0) }) {
            return "property \(unknown) should not exist"
        }
        for (name, kind) in fields {
            guard let value = body[name] else {
                if required.contains(name) { return Self.message(name, kind) }
                continue
            }
            switch (kind, value) {
            case (.email, .string(let text)):
                if !Self.isEmail(text) { return "\(name) must be an email" }
            case (.string, .string), (.object, .object), (.numberOrString, .string),
                (.numberOrString, .int), (.numberOrString, .double):
                continue
            default:
                return Self.message(name, kind)
            }
        }
        return nil
    }

    /// One `@` between a non-empty local part and a dotted domain, no spaces.
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(" ") else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    private static func message(_ name: String, _ kind: Kind) -> String {
        switch kind {
        case .string: return "\(name) must be a string"
        case .email: return "\(name) must be an email"
        case .object: return "\(name) must be an object"
        case .numberOrString: return "\(name) must be a number or a string"
        }
    }
}

extension PerformChatEmulator {
    static let rules: [String: PerformChatBodyRule] = [
        "GET /customer-users": PerformChatBodyRule(
            fields: [("keyId", .string), ("keySecret", .string), ("name", .string), ("email", .string),
                     ("external_id", .string)],
            required: []),
        "PUT /customer-users/:id": PerformChatBodyRule(
            fields: [("keyId", .string), ("keySecret", .string), ("name", .string), ("email", .email),
                     ("metadata", .object)],
            required: []),
        "POST /auth/token": PerformChatBodyRule(
            fields: [("keyId", .string), ("keySecret", .string), ("userId", .string), ("agentId", .string),
                     ("expiresIn", .numberOrString)],
            required: ["userId", "agentId"]),
    ]
}
