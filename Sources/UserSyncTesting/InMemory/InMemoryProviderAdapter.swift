import Synchronization
import UserSyncCore
import UserSyncProviders

/// A provider held in memory: the reference implementation of the `ProviderAdapter` contract,
/// run through the same conformance suite as the real adapters (`AdapterConformance`), and a
/// fake for tests that need scripted answers without any HTTP.
///
/// Users are keyed by a provider id (`mem_<n>`); `push` replaces the stored document whole,
/// `fetch` returns it as stored. `script` answers are consumed one per request before the
/// normal handling, like the sandbox's fault scripts.
public final class InMemoryProviderAdapter: ProviderAdapter {
    public struct StoredUser: Sendable, Equatable {
        public var providerUserID: String
        public var externalID: String
        public var document: JSONValue
        public var revision: Int
    }

    private struct State: Sendable {
        var users: [String: StoredUser] = [:]
        var nextNumber = 1
        var script: [ProviderResponse] = []
        var requests: [String] = []
    }

    public let provider: ProviderID
    public let projector: any ProviderProjector
    private let state = Mutex(State())

    public init(provider: ProviderID = "memory", projector: any ProviderProjector = MemoryProjector()) {
        self.provider = provider
        self.projector = projector
    }

    // MARK: test controls

    /// Creates a user as if it existed at the provider before the test; returns its id.
    @discardableResult
    public func seed(externalID: String, document: JSONValue = ["metadata": [:]]) -> String {
        state.withLock { state in
            let id = "mem_\(state.nextNumber)"
            state.nextNumber += 1
            state.users[id] = StoredUser(providerUserID: id, externalID: externalID, document: document, revision: 0)
            return id
        }
    }

    public func delete(providerUserID: String) {
        _ = state.withLock { $0.users.removeValue(forKey: providerUserID) }
    }

    /// Answers consumed one per request (any kind) before normal handling.
    public func setScript(_ responses: [ProviderResponse]) {
        state.withLock { $0.script = responses }
    }

    public func user(providerUserID: String) -> StoredUser? {
        state.withLock { $0.users[providerUserID] }
    }

    /// Every request so far, as `"resolve <external id>"`, `"push <id>"` or `"fetch <id>"`.
    public var requests: [String] { state.withLock { $0.requests } }

    // MARK: ProviderAdapter

    public func resolveIDs(for records: [UserRecord], control: LookupControl) async -> [String: IDResolution] {
        var results: [String: IDResolution] = [:]
        for record in records {
            let answer: IDResolution = state.withLock { state in
                state.requests.append("resolve \(record.externalID)")
                if let scripted = Self.nextScripted(&state) { return .failed(scripted) }
                let match = state.users.values.first { $0.externalID == record.externalID }
                return match.map { .found($0.providerUserID) } ?? .missing
            }
            results[record.externalID] = answer
        }
        return results
    }

    public func push(document: JSONValue, providerUserID: String, record: UserRecord) async -> PushResult {
        state.withLock { state in
            state.requests.append("push \(providerUserID)")
            if let scripted = Self.nextScripted(&state) { return PushResult(response: scripted) }
            guard var user = state.users[providerUserID] else {
                return PushResult(response: .notFound(message: "no user \(providerUserID)"))
            }
            user.document = document
            user.revision += 1
            state.users[providerUserID] = user
            return PushResult(response: .success, confirmed: document)
        }
    }

    public func fetch(providerUserID: String, externalID: String) async -> FetchResult {
        state.withLock { state in
            state.requests.append("fetch \(providerUserID)")
            if let scripted = Self.nextScripted(&state) { return .failed(scripted) }
            guard let user = state.users[providerUserID] else {
                return .failed(.notFound(message: "no user \(providerUserID)"))
            }
            return .user(RemoteUser(
                providerUserID: user.providerUserID, externalID: user.externalID, document: user.document,
                updatedAt: String(user.revision)))
        }
    }

    /// A scripted answer, unless it says `.success` (then the request is handled normally).
    private static func nextScripted(_ state: inout State) -> ProviderResponse? {
        guard !state.script.isEmpty else { return nil }
        let next = state.script.removeFirst()
        return next == .success ? nil : next
    }
}
