import Synchronization
import UserSyncCore

/// The provider side of EchoDesk, held in memory: profiles a test reads and edits as an
/// agent at the provider would. Found by name, so that a config file can point at it.
public final class EchoDesk: Sendable {
    public struct Profile: Sendable, Equatable {
        public var id: String
        public var externalID: String
        /// `name`, `email` and `metadata`, as the projector shapes them.
        public var document: JSONValue
    }

    struct State {
        var profiles: [String: Profile] = [:]
        var nextNumber = 1
        /// Every request, as `"<verb> <external id or profile id>"`.
        var requests: [String] = []
    }

    /// The key a request must carry.
    let apiKey: String
    private let state = Mutex(State())
    private static let desks = Mutex<[String: EchoDesk]>([:])

    init(apiKey: String) {
        self.apiKey = apiKey
    }

    /// A new, empty desk under `name`, accepting requests that carry `apiKey`.
    @discardableResult
    public static func open(_ name: String, apiKey: String) -> EchoDesk {
        let desk = EchoDesk(apiKey: apiKey)
        desks.withLock { $0[name] = desk }
        return desk
    }

    /// The desk opened under `name`; an adapter configured with an unknown name talks to an
    /// empty desk that refuses every key (as a wrong `base_url` would fail).
    static func named(_ name: String) -> EchoDesk {
        desks.withLock { $0[name] } ?? EchoDesk(apiKey: "")
    }

    // MARK: what a test sees and does at the provider

    public func profile(externalID: String) -> Profile? {
        state.withLock { $0.profiles.values.first { $0.externalID == externalID } }
    }

    /// An edit made at the provider: sets (or with nil removes) one top-level field.
    public func edit(externalID: String, _ field: String, to value: JSONValue?) {
        state.withLock { state in
            guard var profile = state.profiles.values.first(where: { $0.externalID == externalID }) else { return }
            var object = profile.document.objectValue ?? [:]
            object[field] = value
            profile.document = .object(object)
            state.profiles[profile.id] = profile
        }
    }

    public var requests: [String] { state.withLock { $0.requests } }

    // MARK: what the adapter asks

    func findOrCreate(externalID: String) -> String {
        state.withLock { state in
            state.requests.append("resolve \(externalID)")
            if let found = state.profiles.values.first(where: { $0.externalID == externalID }) { return found.id }
            let id = "ed_\(state.nextNumber)"
            state.nextNumber += 1
            state.profiles[id] = Profile(id: id, externalID: externalID, document: ["metadata": [:]])
            return id
        }
    }

    func replace(_ id: String, with document: JSONValue) -> Bool {
        state.withLock { state in
            state.requests.append("push \(id)")
            guard state.profiles[id] != nil else { return false }
            state.profiles[id]?.document = document
            return true
        }
    }

    func read(_ id: String) -> Profile? {
        state.withLock { state in
            state.requests.append("fetch \(id)")
            return state.profiles[id]
        }
    }
}
