import Testing
import UserSyncCore
import UserSyncProviders
import UserSyncSandbox
import UserSyncTesting

/// The kit's `AdapterConformance` checks, run against the two real adapters over HTTP to the
/// sandbox and against the in-memory reference implementation.
@Suite("ProviderAdapter conformance")
struct AdapterConformanceTests {
    enum Factory: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case performChat, commBox, inMemory
        var testDescription: String { rawValue }
    }

    typealias Subject = AdapterConformance.Subject

    static let content = ["plan": "Plan", "nested": "Nested", "seats": "Seats"]

    func withSubject(_ factory: Factory, _ body: (Subject) async throws -> Void) async throws {
        switch factory {
        case .inMemory:
            let adapter = InMemoryProviderAdapter()
            try await body(Subject(
                adapter: adapter, seed: { adapter.seed(externalID: $0.externalID) },
                requestCount: { adapter.requests.count }, unknownProviderID: "mem_999"))
        case .performChat:
            try await withProviderSandbox { h in
                try await body(Subject(
                    adapter: h.performChat(),
                    seed: { try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: $0.externalID, name: "Stale")])[0].id },
                    requestCount: { h.counts.performChat.total }, unknownProviderID: "cu_999999"))
            }
        case .commBox:
            try await withProviderSandbox { h in
                try await body(Subject(
                    adapter: h.commBox(content: Self.content),
                    seed: { String(try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(firstName: "Stale", email: $0.email)])[0].id) },
                    requestCount: { h.counts.commBox.total }, unknownProviderID: "999999"))
            }
        }
    }

    @Test(arguments: Factory.allCases)
    func resolvingFindsKnownUsersAndReportsUnknownOnesMissing(factory: Factory) async throws {
        try await withSubject(factory, AdapterConformance.resolvingFindsKnownUsersAndReportsUnknownOnesMissing)
    }

    @Test(arguments: Factory.allCases)
    func resolvingNothingCostsNothing(factory: Factory) async throws {
        try await withSubject(factory, AdapterConformance.resolvingNothingCostsNothing)
    }

    @Test(arguments: Factory.allCases)
    func pushThenFetchReturnsThePushedDocument(factory: Factory) async throws {
        try await withSubject(factory, AdapterConformance.pushThenFetchReturnsThePushedDocument)
    }

    @Test(arguments: Factory.allCases)
    func pushingTheSameDocumentTwiceIsHarmless(factory: Factory) async throws {
        try await withSubject(factory, AdapterConformance.pushingTheSameDocumentTwiceIsHarmless)
    }

    @Test(arguments: Factory.allCases)
    func pushingToAnUnknownProviderIDIsNotFound(factory: Factory) async throws {
        try await withSubject(factory, AdapterConformance.pushingToAnUnknownProviderIDIsNotFound)
    }

    @Test(arguments: Factory.allCases)
    func fetchingAnUnknownUserIsNotFound(factory: Factory) async throws {
        try await withSubject(factory, AdapterConformance.fetchingAnUnknownUserIsNotFound)
    }

    @Test(arguments: Factory.allCases)
    func theProjectionIsStable(factory: Factory) async throws {
        try await withSubject(factory, AdapterConformance.theProjectionIsStable)
    }

    @Test(arguments: Factory.allCases, AdapterConformance.trickyRecords)
    func theDigestWithoutTheDocumentIsTheDigestOfTheDocument(factory: Factory, record: UserRecord) async throws {
        try await withSubject(factory) { AdapterConformance.theDigestWithoutTheDocumentIsTheDigestOfTheDocument($0, record: record) }
    }

    @Test(arguments: AdapterConformance.trickyRecords)
    func contentFieldOrderDoesNotChangeTheCommBoxDigest(record: UserRecord) {
        // Field names that sort differently by UTF-16, by UTF-8 and case-insensitively.
        let mapping = ["plan": "Zeta", "seats": "alpha", "nested": "Ä_field", "extra": "_x", "big": "\u{1F600}", "a": "é", "Z": "e"]
        let projector = CommBoxProjector(contentMapping: mapping)
        #expect(projector.digest(record) == projector.project(record).map(\.digest))
    }
}
