import Logging
import NIOHTTP1
import UserSyncCore

/// perform.chat's customer users API. Its traps, handled here: credentials travel in the JSON
/// body of every request (the list is a GET with a body), metadata is replaced whole by a PUT,
/// and users are created only by generating a chat token.
public struct PerformChatAdapter: ProviderAdapter {
    public struct Credentials: Sendable {
        public let keyID: String
        public let keySecret: String

        public init(keyID: String, keySecret: String) {
            self.keyID = keyID
            self.keySecret = keySecret
        }
    }

    public let provider = ProviderID.performchat
    public let projector: any ProviderProjector = PerformChatProjector()
    let http: ProviderHTTP
    let credentials: Credentials
    /// With `create_missing`, unknown users are created through `POST /auth/token`.
    let agentIDForCreation: String?
    let logger: Logger
    static let pageSize = 100

    public init(http: ProviderHTTP, credentials: Credentials, agentIDForCreation: String?, logger: Logger) {
        self.http = http
        self.credentials = credentials
        self.agentIDForCreation = agentIDForCreation
        self.logger = logger
    }

    var authBody: [String: JSONValue] {
        ["keyId": .string(credentials.keyID), "keySecret": .string(credentials.keySecret)]
    }

    // MARK: id resolution

    public func resolveIDs(for records: [UserRecord], control: LookupControl) async -> [String: IDResolution] {
        var results: [String: IDResolution] = [:]
        var unknown: [UserRecord] = []
        for record in records {
            if let id = record.providerIDs[.performchat] { results[record.externalID] = .found(id) } else { unknown.append(record) }
        }
        guard !unknown.isEmpty else { return results }
        // One filtered lookup per user costs N requests; paging the whole list costs
        // total/100. The first page tells the total, so it decides.
        if unknown.count <= 2 {
            await lookUpOneByOne(unknown, control: control, into: &results)
        } else {
            switch await listPageRetrying(1, control: control) {
            case .failure(let failure):
                for record in unknown { results[record.externalID] = .failed(failure.response) }
            case .success(let first):
                let remainingPages = max(0, first.totalPages - 1)
                if remainingPages < unknown.count {
                    logger.info("resolving perform.chat ids by paging the whole list", metadata: [
                        "provider": "performchat", "unknown_users": "\(unknown.count)", "pages": "\(first.totalPages)",
                    ])
                    await pageEverything(after: first, unknown: unknown, control: control, into: &results)
                } else {
                    logger.info("resolving perform.chat ids one by one", metadata: [
                        "provider": "performchat", "unknown_users": "\(unknown.count)", "pages": "\(first.totalPages)",
                    ])
                    for user in first.users { results[user.externalID ?? ""] = .found(user.providerUserID) }
                    await lookUpOneByOne(unknown.filter { results[$0.externalID] == nil }, control: control, into: &results)
                }
            }
        }
        if agentIDForCreation != nil {
            for record in unknown where results[record.externalID] == .missing {
                results[record.externalID] = await create(record)
            }
        }
        results.removeValue(forKey: "")
        return results
    }

    private func lookUpOneByOne(_ records: [UserRecord], control: LookupControl, into results: inout [String: IDResolution]) async {
        for (index, record) in records.enumerated() {
            control.progress()
            if control.shouldStop() {
                for rest in records[index...] { results[rest.externalID] = .failed(.cancelled) }
                return
            }
            switch await listPage(1, limit: 1, filter: ["external_id": .string(record.externalID)]) {
            case .failure(let failure):
                // A 401 here is a failed login towards the key's lockout, a 429/5xx a provider
                // in trouble: the rest get the same answer without another request.
                for rest in records[index...] { results[rest.externalID] = .failed(failure.response) }
                return
            case .success(let page):
                if let user = page.users.first(where: { $0.externalID == record.externalID }) {
                    results[record.externalID] = .found(user.providerUserID)
                } else {
                    results[record.externalID] = .missing
                }
            }
        }
    }

    /// Fills the map for every user the provider has (not only the ones asked), so the
    /// rest of an initial sync needs no lookups at all.
    /// Every page is read (each retried a little on a passing failure): ids found on the
    /// pages read are kept even when a later page fails, so a flaky provider still moves on.
    private func pageEverything(after first: Page, unknown: [UserRecord], control: LookupControl, into results: inout [String: IDResolution]) async {
        for user in first.users { if let id = user.externalID { results[id] = .found(user.providerUserID) } }
        var page = 2
        while page <= first.totalPages {
            switch await listPageRetrying(page, control: control) {
            case .failure(let failure):
                for record in unknown where results[record.externalID] == nil { results[record.externalID] = .failed(failure.response) }
                return
            case .success(let next):
                for user in next.users { if let id = user.externalID { results[id] = .found(user.providerUserID) } }
            }
            page += 1
        }
        for record in unknown where results[record.externalID] == nil { results[record.externalID] = .missing }
    }

    private func create(_ record: UserRecord) async -> IDResolution {
        guard let agentID = agentIDForCreation else { return .missing }
        var body = authBody
        body["userId"] = .string(record.externalID)
        body["agentId"] = .string(agentID)
        switch await http.send(.POST, "/auth/token", json: .object(body)) {
        case .failure(let failure): return .failed(failure.response)
        case .success(let response):
            let classified = classify(response)
            guard classified == .success else { return .failed(classified) }
            // The docs show the new user under `customerUser` on one page and `user` on another.
            let user = response.json?["customerUser"] ?? response.json?["user"]
            guard let id = user?["id"]?.scalarText else {
                return .failed(.permanent(status: response.status, message: "token response carries no customer user id"))
            }
            logger.info("created perform.chat customer user through token generation", metadata: [
                "provider": "performchat", "external_id": "\(record.externalID)",
            ])
            return .found(id)
        }
    }

    /// One list page, tried again twice after a passing failure (5xx, time-out, dropped
    /// connection; never after a refusal, a 429 or a `Retry-After`): one of thirty pages
    /// failing must not send a whole id mapping back to page one.
    func listPageRetrying(_ page: Int, control: LookupControl) async -> Result<Page, ProviderFailure> {
        var waits: [Duration] = [.milliseconds(200), .milliseconds(600)]
        while true {
            control.progress()
            if control.shouldStop() { return .failure(ProviderFailure(response: .cancelled)) }
            let result = await listPage(page, filter: [:])
            guard case .failure(let failure) = result, case .retryLater(let status, nil, _) = failure.response, status != 429,
                !waits.isEmpty
            else { return result }
            do {
                try await Task.sleep(for: waits.removeFirst())
            } catch {
                return .failure(ProviderFailure(response: .cancelled))
            }
        }
    }

    // MARK: push and fetch

    public func push(document: JSONValue, providerUserID: String, record: UserRecord) async -> PushResult {
        var body = authBody
        for (key, value) in document.objectValue ?? [:] where ["name", "email", "metadata"].contains(key) {
            body[key] = value
        }
        let path = "/customer-users/" + ProviderHTTP.percentEncode(providerUserID)
        switch await http.send(.PUT, path, json: .object(body)) {
        case .failure(let failure): return PushResult(response: failure.response)
        case .success(let response): return PushResult(response: classify(response))
        }
    }

    public func fetch(providerUserID: String, externalID: String) async -> FetchResult {
        switch await listPage(1, limit: 1, filter: ["external_id": .string(externalID)]) {
        case .failure(let failure): return .failed(failure.response)
        case .success(let page):
            // Only a user carrying our external id is ours, whatever id the map holds.
            guard let user = page.users.first(where: { $0.externalID == externalID }) else {
                return .failed(.notFound(message: "no perform.chat customer user with external_id \(externalID)"))
            }
            return .user(user)
        }
    }

    // MARK: the list

    struct Page {
        let users: [RemoteUser]
        let totalPages: Int
        let total: Int
    }

    /// `GET /customer-users` with the credentials (and filters) in the body.
    func listPage(_ page: Int, limit: Int = Self.pageSize, filter: [String: JSONValue]) async -> Result<Page, ProviderFailure> {
        var body = authBody
        body.merge(filter) { _, new in new }
        let result = await http.send(.GET, "/customer-users", query: [("page", "\(page)"), ("limit", "\(limit)")], json: .object(body))
        switch result {
        case .failure(let failure): return .failure(failure)
        case .success(let response):
            let classified = classify(response)
            guard classified == .success else { return .failure(ProviderFailure(response: classified)) }
            guard let json = response.json, case .array(let items)? = json["data"] else {
                return .failure(ProviderFailure(response: .retryLater(status: response.status, retryAfter: nil, message: "list response is not the documented JSON")))
            }
            let pagination = json["pagination"]
            let total = Int(pagination?["total"]?.scalarText ?? "") ?? items.count
            let totalPages = Int(pagination?["total_pages"]?.scalarText ?? "") ?? 1
            return .success(Page(users: items.compactMap(Self.remoteUser), totalPages: totalPages, total: total))
        }
    }

    static func remoteUser(_ item: JSONValue) -> RemoteUser? {
        guard let id = item["id"]?.scalarText else { return nil }
        var document: [String: JSONValue] = ["metadata": item["metadata"]?.objectValue.map(JSONValue.object) ?? .object([:])]
        // An empty name or e-mail is a cleared one: no value, as in the projection.
        if let name = item["name"], !name.isEmptyValue { document["name"] = name }
        if let email = item["email"], !email.isEmptyValue { document["email"] = email }
        return RemoteUser(
            providerUserID: id, externalID: item["external_id"]?.scalarText, document: .object(document),
            updatedAt: item["updated_at"]?.stringValue)
    }

    func classify(_ response: ProviderHTTP.Response) -> ProviderResponse {
        // A success needs no message: its body is not parsed here (a PUT answers with the user).
        if (200..<300).contains(response.status) { return .success }
        let message = response.json?["message"]?.scalarText ?? "HTTP \(response.status)"
        return ProviderResponse.classify(status: response.status, headers: response.headers, message: message)
    }
}
