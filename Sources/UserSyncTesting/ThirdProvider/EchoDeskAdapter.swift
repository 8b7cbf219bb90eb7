import Logging
import UserSyncCore
import UserSyncProviders

/// Talks to an `EchoDesk`: finds or creates a profile by external id, replaces documents
/// whole, reads them back one by one for the pull.
struct EchoDeskAdapter: PullingAdapter {
    let desk: EchoDesk
    let apiKey: String
    let logger: Logger
    let provider = ProviderID.echodesk
    let projector: any ProviderProjector = EchoDeskProjector()

    /// Every request names its credential, as a careless HTTP trace would: the tests prove
    /// the scrubber blots it out because the provider declared it a secret, not because
    /// anything else knows about it.
    private func authorized(_ verb: String, _ target: String) -> Bool {
        logger.debug("echodesk request", metadata: ["provider": "\(provider)", "request": "\(verb) \(target)", "authorization": "Bearer \(apiKey)"])
        return apiKey == desk.apiKey
    }

    private static let refused = ProviderResponse.authentication(status: 401, message: "api key refused")

    func resolveIDs(for records: [UserRecord], control: LookupControl) async -> [String: IDResolution] {
        var results: [String: IDResolution] = [:]
        for record in records {
            if control.shouldStop() { break }
            guard authorized("resolve", record.externalID) else {
                results[record.externalID] = .failed(Self.refused)
                continue
            }
            results[record.externalID] = .found(record.providerIDs[provider] ?? desk.findOrCreate(externalID: record.externalID))
            control.progress()
        }
        return results
    }

    func push(document: JSONValue, providerUserID: String, record: UserRecord) async -> PushResult {
        guard authorized("push", providerUserID) else { return PushResult(response: Self.refused) }
        guard desk.replace(providerUserID, with: document) else {
            return PushResult(response: .notFound(message: "no profile \(providerUserID)"))
        }
        return PushResult(response: .success, confirmed: document)
    }

    func fetch(providerUserID: String, externalID: String) async -> FetchResult {
        guard authorized("fetch", providerUserID) else { return .failed(Self.refused) }
        guard let profile = desk.read(providerUserID) else { return .failed(.notFound(message: "no profile \(providerUserID)")) }
        return .user(RemoteUser(providerUserID: profile.id, externalID: profile.externalID, document: profile.document, updatedAt: nil))
    }

    func pull(mapped: [MappedUser], budget: Int) async -> PullResult {
        await pullEach(mapped: mapped, budget: budget)
    }
}
