import UserSyncCore

/// One provider's protocol: how its documents look, how one change is sent, how its side is
/// read, and how its answers are classified. Everything about *when* to send (queue, rate
/// limit, retries, pauses) belongs to the engine's dispatcher.
///
/// A new provider is one folder with a type conforming to this protocol and a
/// `ProviderPlugin` that makes it, plus one line in `BuiltInProviders.all`.
public protocol ProviderAdapter: Sendable {
    var provider: ProviderID { get }
    var projector: any ProviderProjector { get }

    /// Finds the provider's ids for users the id map does not know yet, choosing the
    /// cheapest way for how many are asked. Users the provider does not have come back as
    /// `.missing` (or are created, where the provider allows and the operator opted in).
    /// Between requests it reports progress and stops when told (the rest `.cancelled`).
    func resolveIDs(for records: [UserRecord], control: LookupControl) async -> [String: IDResolution]

    /// Sends one user's full desired document.
    func push(document: JSONValue, providerUserID: String, record: UserRecord) async -> PushResult

    /// Reads one user as the provider holds it, in the projected shape (the pull side).
    func fetch(providerUserID: String, externalID: String) async -> FetchResult

    /// Whether `resolveIDs` would find this record by its e-mail address (a secondary
    /// identity two people can share), rather than by our external id or a mapped id.
    func identifiesByEmail(_ record: UserRecord) -> Bool
}

extension ProviderAdapter {
    public func identifiesByEmail(_ record: UserRecord) -> Bool { false }

    public func resolveIDs(for records: [UserRecord]) async -> [String: IDResolution] {
        await resolveIDs(for: records, control: .none)
    }
}

/// How a run of lookups (possibly hundreds of requests) stays a good citizen of the service:
/// a heartbeat for the watchdog after every request, and a stop between requests.
public struct LookupControl: Sendable {
    public let shouldStop: @Sendable () -> Bool
    public let progress: @Sendable () -> Void

    public init(shouldStop: @escaping @Sendable () -> Bool, progress: @escaping @Sendable () -> Void) {
        self.shouldStop = shouldStop
        self.progress = progress
    }

    public static let none = LookupControl(shouldStop: { false }, progress: {})
}

public enum IDResolution: Sendable, Equatable {
    case found(String)
    case missing
    case failed(ProviderResponse)
    /// A profile was found by a secondary identity (e-mail), but it carries another external
    /// id: it belongs to someone else and must not be written.
    case belongsToAnother(providerUserID: String, externalID: String)
}

public struct PushResult: Sendable, Equatable {
    public let response: ProviderResponse
    /// What the provider says it now holds, in the projected shape, when its answer tells.
    public let confirmed: JSONValue?

    public init(response: ProviderResponse, confirmed: JSONValue? = nil) {
        self.response = response
        self.confirmed = confirmed
    }
}

public enum FetchResult: Sendable, Equatable {
    case user(RemoteUser)
    case failed(ProviderResponse)
}

/// A user as read from a provider.
public struct RemoteUser: Sendable, Equatable {
    public let providerUserID: String
    public let externalID: String?
    /// The provider's document in the same shape as the projector's output.
    public let document: JSONValue
    /// The provider's last-modified time, when it has one (for the `newest` conflict policy).
    public let updatedAt: String?

    public init(providerUserID: String, externalID: String?, document: JSONValue, updatedAt: String?) {
        self.providerUserID = providerUserID
        self.externalID = externalID
        self.document = document
        self.updatedAt = updatedAt
    }
}

/// A user whose provider id is known, for pulling.
public struct MappedUser: Sendable, Hashable {
    public let externalID: String
    public let providerUserID: String

    public init(externalID: String, providerUserID: String) {
        self.externalID = externalID
        self.providerUserID = providerUserID
    }
}

/// What one pull read.
public struct PullResult: Sendable {
    public var users: [RemoteUser] = []
    /// How many of the offered mapped users were covered (the rotation moves on by this).
    public var covered = 0
    /// Set when the provider stopped answering part-way.
    public var failure: ProviderResponse?

    public init(users: [RemoteUser] = [], covered: Int = 0, failure: ProviderResponse? = nil) {
        self.users = users
        self.covered = covered
        self.failure = failure
    }
}

/// How a provider's side is read for the pull. Providers that read one user per request
/// use the default: `fetch` for each offered user, within the request budget.
public protocol PullingAdapter: ProviderAdapter {
    func pull(mapped: [MappedUser], budget: Int) async -> PullResult
}

extension ProviderAdapter {
    public func pullEach(mapped: [MappedUser], budget: Int) async -> PullResult {
        var result = PullResult()
        for user in mapped.prefix(max(0, budget)) {
            switch await fetch(providerUserID: user.providerUserID, externalID: user.externalID) {
            case .user(let remote): result.users.append(remote)
            case .failed(.notFound): break
            case .failed(let response):
                result.failure = response
                return result
            }
            result.covered += 1
        }
        return result
    }
}
