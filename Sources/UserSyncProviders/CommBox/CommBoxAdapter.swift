import Logging
import NIOHTTP1
import UserSyncCore

/// CommBox's users API. Its traps, handled here: user ids are CommBox's own numbers (learned
/// from a source column or by looking the user up by e-mail identity), updates go in a
/// `{"data": ...}` envelope with capitalised names, and `content` reads back as a string.
public struct CommBoxAdapter: ProviderAdapter {
    public let provider = ProviderID.commbox
    public let projector: any ProviderProjector
    let http: ProviderHTTP
    let token: String
    /// `streamProviderType` of an e-mail identity (4 in CommBox's docs).
    let streamProviderType: Int
    let contentMapping: [String: String]

    public init(http: ProviderHTTP, token: String, contentMapping: [String: String], streamProviderType: Int = 4) {
        self.http = http
        self.token = token
        self.streamProviderType = streamProviderType
        self.contentMapping = contentMapping
        self.projector = CommBoxProjector(contentMapping: contentMapping)
    }

    var authHeaders: [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// Lookups failing in a row (5xx, time-outs) after which the rest are not sent.
    static let lookupFailuresInARow = 3

    public func identifiesByEmail(_ record: UserRecord) -> Bool {
        record.providerIDs[.commbox] == nil && record.email != nil
    }

    public func resolveIDs(for records: [UserRecord], control: LookupControl) async -> [String: IDResolution] {
        var results: [String: IDResolution] = [:]
        // Once the provider pushes back (429, refused credentials, or failures in a row) the
        // remaining lookups get the same answer without being sent: more would only deepen
        // the hole. One passing 5xx among successes does not stop the others.
        var pushedBack: ProviderResponse?
        var failuresInARow = 0
        for record in records {
            control.progress()
            if pushedBack == nil, control.shouldStop() { pushedBack = .cancelled }
            if let pushedBack, record.providerIDs[.commbox] == nil {
                results[record.externalID] = .failed(pushedBack)
                continue
            }
            if let id = record.providerIDs[.commbox] {
                results[record.externalID] = .found(id)
                continue
            }
            guard let email = record.email else {
                results[record.externalID] = .missing
                continue
            }
            let query = [("streamProviderId", email), ("streamProviderType", "\(streamProviderType)")]
            switch await http.send(.GET, "/users/0", query: query, headers: authHeaders) {
            case .failure(let failure):
                results[record.externalID] = .failed(failure.response)
                failuresInARow += 1
                if failuresInARow >= Self.lookupFailuresInARow || failure.response == .cancelled { pushedBack = failure.response }
            case .success(let response):
                switch classify(response) {
                case .success:
                    if let id = response.json?["data"]?["id"]?.scalarText {
                        // Found by e-mail: ours only if it carries no UniqueId or ours.
                        let uniqueID = response.json?["data"]?["uniqueId"]?.stringValue ?? ""
                        results[record.externalID] = uniqueID.isEmpty || uniqueID == record.externalID
                            ? .found(id) : .belongsToAnother(providerUserID: id, externalID: uniqueID)
                    } else {
                        results[record.externalID] = .missing
                    }
                    failuresInARow = 0
                case .notFound:
                    results[record.externalID] = .missing
                    failuresInARow = 0
                case let other:
                    results[record.externalID] = .failed(other)
                    failuresInARow += 1
                    switch other {
                    case .permanent: break
                    case .retryLater(let status, let retryAfter, _) where status != 429 && retryAfter == nil:
                        if failuresInARow >= Self.lookupFailuresInARow { pushedBack = other }
                    default: pushedBack = other
                    }
                }
            }
        }
        return results
    }

    public func push(document: JSONValue, providerUserID: String, record: UserRecord) async -> PushResult {
        let path = "/users/" + ProviderHTTP.percentEncode(providerUserID)
        switch await http.send(.POST, path, headers: authHeaders, json: ["data": document]) {
        case .failure(let failure): return PushResult(response: failure.response)
        case .success(let response): return PushResult(response: classify(response))
        }
    }

    public func fetch(providerUserID: String, externalID: String) async -> FetchResult {
        let path = "/users/" + ProviderHTTP.percentEncode(providerUserID)
        switch await http.send(.GET, path, headers: authHeaders) {
        case .failure(let failure): return .failed(failure.response)
        case .success(let response):
            let classified = classify(response)
            guard classified == .success else { return .failed(classified) }
            guard let data = response.json?["data"], let user = remoteUser(data) else {
                return .failed(.retryLater(status: response.status, retryAfter: nil, message: "user response is not the documented JSON"))
            }
            return .user(user)
        }
    }

    /// Reads `GET /users/{id}`'s lower-camel fields back into the projected (capitalised) shape;
    /// `content` arrives as JSON text and only the mapped custom fields are kept.
    func remoteUser(_ data: JSONValue) -> RemoteUser? {
        guard let id = data["id"]?.scalarText else { return nil }
        var document: [String: JSONValue] = [:]
        let fields = [("uniqueId", "UniqueId"), ("firstName", "FirstName"), ("lastName", "LastName"), ("email", "Email"), ("phone1", "Phone1")]
        for (source, target) in fields {
            if let value = data[source]?.stringValue, !value.isEmpty { document[target] = .string(value) }
        }
        let content: [String: JSONValue]
        switch data["content"] {
        case .string(let text)?: content = (try? JSONParser.parse(text))?.objectValue ?? [:]
        case .object(let object)?: content = object
        default: content = [:]
        }
        let mappedFields = Set(contentMapping.values)
        // An empty custom field is a cleared one: no value, as in the projection.
        let kept = content.filter { mappedFields.contains($0.key) && !$0.value.isEmptyValue }
            .mapValues { JSONValue.string(CommBoxProjector.customFieldText($0)) }
        if !kept.isEmpty { document["Content"] = .object(kept) }
        return RemoteUser(
            providerUserID: id, externalID: data["uniqueId"]?.stringValue, document: .object(document),
            updatedAt: data["updatedAt"]?.stringValue)
    }

    func classify(_ response: ProviderHTTP.Response) -> ProviderResponse {
        if (200..<300).contains(response.status) { return .success }
        let json = response.json
        let message = json?["description"]?.scalarText ?? json?["message"]?.scalarText ?? "HTTP \(response.status)"
        return ProviderResponse.classify(status: response.status, headers: response.headers, message: message)
    }
}
