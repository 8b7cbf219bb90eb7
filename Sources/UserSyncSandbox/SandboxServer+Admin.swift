import Foundation

/// In-process twins of the `/_admin` routes, for tests that hold the server.
extension SandboxServer {
    /// Users, counters, faults, limits and credentials back to the configuration (`POST /_admin/reset`).
    public func reset() {
        core.withState { $0.reset() }
    }

    // MARK: perform.chat users

    @discardableResult
    public func seedPerformChatUsers(_ seeds: [SandboxPerformChatSeed]) throws -> [SandboxPerformChatUser] {
        let now = core.now
        return try core.withState { try $0.performChat.seed(seeds, now: now) }
    }

    /// In creation order.
    public func performChatUsers() -> [SandboxPerformChatUser] {
        core.withState { $0.performChat.users }
    }

    public func performChatUser(externalID: String) -> SandboxPerformChatUser? {
        performChatUsers().first { $0.externalID == externalID }
    }

    /// A change made on the provider side; bumps `updated_at`. Throws `SandboxError.notFound`.
    @discardableResult
    public func editPerformChatUser(externalID: String, _ change: SandboxPerformChatChange) throws
        -> SandboxPerformChatUser
    {
        let now = core.now
        return try core.withState { try $0.performChat.edit(externalID: externalID, change, now: now) }
    }

    // MARK: CommBox users

    @discardableResult
    public func seedCommBoxUsers(_ seeds: [SandboxCommBoxSeed]) throws -> [SandboxCommBoxUser] {
        let now = core.now
        return try core.withState { try $0.commBox.seed(seeds, now: now) }
    }

    public func commBoxUsers() -> [SandboxCommBoxUser] {
        core.withState { $0.commBox.users }
    }

    public func commBoxUser(id: Int) -> SandboxCommBoxUser? {
        commBoxUsers().first { $0.id == id }
    }

    /// A change made on the provider side (content merges); bumps `updatedAt`.
    @discardableResult
    public func editCommBoxUser(id: Int, _ change: SandboxCommBoxChange) throws -> SandboxCommBoxUser {
        let now = core.now
        return try core.withState { try $0.commBox.edit(id: id, change, now: now) }
    }

    /// Seeds from `{"performchat": [...], "commbox": [...]}`, the shape of the seed file and of
    /// the admin seed bodies.
    public func seed(fromJSON data: Data) throws {
        let json: SandboxJSON
        do { json = try SandboxJSON.parse(data) } catch { throw SandboxError.invalid("seed: not valid JSON") }
        guard let object = json.objectValue else { throw SandboxError.invalid("seed: expected an object") }
        try FieldReader(object: object, context: "seed").allowOnly(["performchat", "commbox"])
        func list(_ key: String) throws -> [SandboxJSON] {
            guard let value = object[key], value != .null else { return [] }
            guard let values = value.arrayValue else { throw SandboxError.invalid("seed: \(key) must be an array") }
            return values
        }
        let performChat = try list("performchat").map(SandboxPerformChatSeed.init(json:))
        let commBox = try list("commbox").map(SandboxCommBoxSeed.init(json:))
        try seedPerformChatUsers(performChat)
        try seedCommBoxUsers(commBox)
    }

    // MARK: Requests

    /// Counters of every provider request since start or the last reset.
    public func requestCounts() -> SandboxRequestCounts {
        core.withState { $0.log.counts }
    }

    /// The most recent provider requests, oldest first (at most `requestLogCapacity`).
    public func requestLog() -> [SandboxRequestLogEntry] {
        core.withState { $0.log.recent }
    }

    public func resetRequests() {
        core.withState { $0.log.reset() }
    }

    // MARK: Faults, limits, credentials

    /// Replaces the provider's faults whole and restarts its script.
    public func setFaults(_ faults: SandboxFaults, for provider: SandboxProvider) {
        core.withState { $0[gate: provider].faults.replace(with: faults) }
    }

    public func faults(for provider: SandboxProvider) -> SandboxFaults {
        core.withState { $0[gate: provider].faults.settings }
    }

    /// Script steps not consumed yet.
    public func remainingScript(for provider: SandboxProvider) -> [SandboxScriptStep] {
        core.withState { Array($0[gate: provider].faults.remainingScript) }
    }

    /// Replaces the provider's budget and empties its window.
    public func setLimit(_ limit: SandboxRateLimit, for provider: SandboxProvider) {
        core.withState { $0.setLimit(limit, for: provider) }
    }

    public func limit(for provider: SandboxProvider) -> SandboxRateLimit {
        core.withState { $0[gate: provider].limit }
    }

    /// perform.chat's `POST /auth/token` budget; `nil` is unlimited.
    public func setPerformChatTokenLimit(_ requestsPerMinute: Int?) {
        core.withState { $0.performChat.setTokenLimit(requestsPerMinute) }
    }

    public var credentials: SandboxCredentials {
        get { core.withState { $0.credentials } }
    }

    public func setCredentials(_ credentials: SandboxCredentials) {
        core.withState { $0.credentials = credentials }
    }
}
