import Testing
import UserSyncCore
import UserSyncProviders

/// The `ProviderAdapter` contract, checked the same way for every adapter: a new provider's
/// tests call each check with a subject built on its adapter (the real ones talk HTTP to the
/// sandbox; `InMemoryProviderAdapter` is the reference).
public enum AdapterConformance {
    /// One adapter plus the means to arrange its provider's side.
    public struct Subject {
        public let adapter: any ProviderAdapter
        /// Makes the user exist at the provider (as created there, outside the sync); returns its id.
        public let seed: (UserRecord) throws -> String
        /// Provider requests made so far.
        public let requestCount: () -> Int
        /// An id of the provider's format that names nobody.
        public let unknownProviderID: String

        public init(
            adapter: any ProviderAdapter, seed: @escaping (UserRecord) throws -> String,
            requestCount: @escaping () -> Int, unknownProviderID: String
        ) {
            self.adapter = adapter
            self.seed = seed
            self.requestCount = requestCount
            self.unknownProviderID = unknownProviderID
        }
    }

    public static let known = UserRecord(
        externalID: "conf-known", name: "Known User", email: "known@example.com",
        metadata: ["plan": "pro", "seats": 3, "nested": ["k": "v", "list": [1, true, nil]]], phone: "+1 555 0100")
    public static let unknown = UserRecord(externalID: "conf-unknown", name: "Nobody", email: "nobody@example.com")

    /// A user the provider has is found by its id; one it lacks is `.missing`, not a failure.
    public static func resolvingFindsKnownUsersAndReportsUnknownOnesMissing(_ s: Subject) async throws {
        let id = try s.seed(known)
        let resolved = await s.adapter.resolveIDs(for: [known, unknown])
        #expect(resolved[known.externalID] == .found(id))
        #expect(resolved[unknown.externalID] == .missing)
    }

    /// Looking up no one sends no request.
    public static func resolvingNothingCostsNothing(_ s: Subject) async throws {
        #expect(await s.adapter.resolveIDs(for: []).isEmpty)
        #expect(s.requestCount() == 0)
    }

    /// What was pushed reads back as the same document (and digest), under the same id.
    public static func pushThenFetchReturnsThePushedDocument(_ s: Subject) async throws {
        let id = try s.seed(known)
        let projected = try s.adapter.projector.project(known).get()
        let pushed = await s.adapter.push(document: projected, providerUserID: id, record: known)
        #expect(pushed.response == .success)
        if let confirmed = pushed.confirmed { #expect(confirmed == projected) }
        let fetched = await s.adapter.fetch(providerUserID: id, externalID: known.externalID)
        guard case .user(let user) = fetched else {
            Issue.record("fetch failed: \(fetched)")
            return
        }
        #expect(user.document == projected)
        #expect(user.document.digest == projected.digest)
        #expect(user.providerUserID == id)
    }

    /// A repeated push (a retry after a lost answer) changes nothing.
    public static func pushingTheSameDocumentTwiceIsHarmless(_ s: Subject) async throws {
        let id = try s.seed(known)
        let projected = try s.adapter.projector.project(known).get()
        #expect(await s.adapter.push(document: projected, providerUserID: id, record: known).response == .success)
        #expect(await s.adapter.push(document: projected, providerUserID: id, record: known).response == .success)
        guard case .user(let user) = await s.adapter.fetch(providerUserID: id, externalID: known.externalID) else {
            Issue.record("fetch failed")
            return
        }
        #expect(user.document == projected)
    }

    /// A push to an id that names nobody is `.notFound`, which parks the user rather than retrying.
    public static func pushingToAnUnknownProviderIDIsNotFound(_ s: Subject) async throws {
        let projected = try s.adapter.projector.project(unknown).get()
        let result = await s.adapter.push(document: projected, providerUserID: s.unknownProviderID, record: unknown)
        guard case .notFound = result.response else {
            Issue.record("expected notFound, got \(result.response)")
            return
        }
    }

    /// A read of an id that names nobody is `.notFound`.
    public static func fetchingAnUnknownUserIsNotFound(_ s: Subject) async throws {
        let result = await s.adapter.fetch(providerUserID: s.unknownProviderID, externalID: unknown.externalID)
        guard case .failed(.notFound) = result else {
            Issue.record("expected notFound, got \(result)")
            return
        }
    }

    /// The projection is a pure function of the record: same record, same document and digest, whatever the key order.
    public static func theProjectionIsStable(_ s: Subject) async throws {
        let first = try s.adapter.projector.project(known).get()
        let second = try s.adapter.projector.project(known).get()
        #expect(first == second)
        #expect(first.digest == second.digest)
        #expect(first.canonicalText == second.canonicalText)
        // The same metadata built in another order projects to the same digest.
        var reordered = known
        reordered.metadata = [:]
        for key in known.metadata.keys.sorted().reversed() { reordered.metadata[key] = known.metadata[key] }
        #expect(try s.adapter.projector.project(reordered).get().digest == first.digest)
        // And a real change changes it.
        var changed = known
        changed.metadata["plan"] = "free"
        #expect(try s.adapter.projector.project(changed).get().digest != first.digest)
        #expect(s.adapter.projector.provider == s.adapter.provider)
    }

    /// The fast `digest(_:)` path of a projector agrees with the digest of its document.
    public static func theDigestWithoutTheDocumentIsTheDigestOfTheDocument(_ s: Subject, record: UserRecord) {
        #expect(s.adapter.projector.digest(record) == s.adapter.projector.project(record).map(\.digest))
    }
}
