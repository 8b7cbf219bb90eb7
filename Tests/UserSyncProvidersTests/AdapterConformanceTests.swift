import Testing
import UserSyncCore
import UserSyncProviders
import UserSyncSandbox

/// The `ProviderAdapter` contract, checked the same way for every adapter: the two real ones
/// over HTTP to the sandbox, and the in-memory reference implementation.
@Suite("ProviderAdapter conformance")
struct AdapterConformanceTests {
    enum Factory: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case performChat, commBox, inMemory
        var testDescription: String { rawValue }
    }

    /// One adapter plus the means to arrange its provider's side.
    struct Subject {
        let adapter: any ProviderAdapter
        /// Makes the user exist at the provider (as created there, outside the sync); returns its id.
        let seed: (UserRecord) throws -> String
        /// Provider requests made so far.
        let requestCount: () -> Int
        /// An id of the provider's format that names nobody.
        let unknownProviderID: String
    }

    static let content = ["plan": "Plan", "nested": "Nested", "seats": "Seats"]

    static let known = UserRecord(
        externalID: "conf-known", name: "Known User", email: "known@example.com",
        metadata: ["plan": "pro", "seats": 3, "nested": ["k": "v", "list": [1, true, nil]]], phone: "+1 555 0100")
    static let unknown = UserRecord(externalID: "conf-unknown", name: "Nobody", email: "nobody@example.com")

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
        try await withSubject(factory) { s in
            let id = try s.seed(Self.known)
            let resolved = await s.adapter.resolveIDs(for: [Self.known, Self.unknown])
            #expect(resolved[Self.known.externalID] == .found(id))
            #expect(resolved[Self.unknown.externalID] == .missing)
        }
    }

    @Test(arguments: Factory.allCases)
    func resolvingNothingCostsNothing(factory: Factory) async throws {
        try await withSubject(factory) { s in
            #expect(await s.adapter.resolveIDs(for: []).isEmpty)
            #expect(s.requestCount() == 0)
        }
    }

    @Test(arguments: Factory.allCases)
    func pushThenFetchReturnsThePushedDocument(factory: Factory) async throws {
        try await withSubject(factory) { s in
            let id = try s.seed(Self.known)
            let projected = try s.adapter.projector.project(Self.known).get()
            let pushed = await s.adapter.push(document: projected, providerUserID: id, record: Self.known)
            #expect(pushed.response == .success)
            if let confirmed = pushed.confirmed { #expect(confirmed == projected) }
            let fetched = await s.adapter.fetch(providerUserID: id, externalID: Self.known.externalID)
            guard case .user(let user) = fetched else {
                Issue.record("fetch failed: \(fetched)")
                return
            }
            #expect(user.document == projected)
            #expect(user.document.digest == projected.digest)
            #expect(user.providerUserID == id)
        }
    }

    @Test(arguments: Factory.allCases)
    func pushingTheSameDocumentTwiceIsHarmless(factory: Factory) async throws {
        try await withSubject(factory) { s in
            let id = try s.seed(Self.known)
            let projected = try s.adapter.projector.project(Self.known).get()
            #expect(await s.adapter.push(document: projected, providerUserID: id, record: Self.known).response == .success)
            #expect(await s.adapter.push(document: projected, providerUserID: id, record: Self.known).response == .success)
            guard case .user(let user) = await s.adapter.fetch(providerUserID: id, externalID: Self.known.externalID) else {
                Issue.record("fetch failed")
                return
            }
            #expect(user.document == projected)
        }
    }

    @Test(arguments: Factory.allCases)
    func pushingToAnUnknownProviderIDIsNotFound(factory: Factory) async throws {
        try await withSubject(factory) { s in
            let projected = try s.adapter.projector.project(Self.unknown).get()
            let result = await s.adapter.push(document: projected, providerUserID: s.unknownProviderID, record: Self.unknown)
            guard case .notFound = result.response else {
                Issue.record("expected notFound, got \(result.response)")
                return
            }
        }
    }

    @Test(arguments: Factory.allCases)
    func fetchingAnUnknownUserIsNotFound(factory: Factory) async throws {
        try await withSubject(factory) { s in
            let result = await s.adapter.fetch(providerUserID: s.unknownProviderID, externalID: Self.unknown.externalID)
            guard case .failed(.notFound) = result else {
                Issue.record("expected notFound, got \(result)")
                return
            }
        }
    }

    @Test(arguments: Factory.allCases)
    func theProjectionIsStable(factory: Factory) async throws {
        try await withSubject(factory) { s in
            let first = try s.adapter.projector.project(Self.known).get()
            let second = try s.adapter.projector.project(Self.known).get()
            #expect(first == second)
            #expect(first.digest == second.digest)
            #expect(first.canonicalText == second.canonicalText)
            // The same metadata built in another order projects to the same digest.
            var reordered = Self.known
            reordered.metadata = [:]
            for key in Self.known.metadata.keys.sorted().reversed() { reordered.metadata[key] = Self.known.metadata[key] }
            #expect(try s.adapter.projector.project(reordered).get().digest == first.digest)
            // And a real change changes it.
            var changed = Self.known
            changed.metadata["plan"] = "free"
            #expect(try s.adapter.projector.project(changed).get().digest != first.digest)
            #expect(s.adapter.projector.provider == s.adapter.provider)
        }
    }

    /// Records that stress the projectors' fast `digest(_:)` paths: name splitting (spaces,
    /// non-ASCII, combining marks, tabs), escapes, numbers as written, nested values, content
    /// field ordering, and values at and over CommBox's limits.
    static let trickyRecords: [UserRecord] = [
        UserRecord(externalID: "plain"),
        known,
        UserRecord(externalID: "spaces", name: "  Ada   King  Byron  ", email: "a@example.com"),
        UserRecord(externalID: "one-word", name: "Ada"),
        UserRecord(externalID: "only-spaces", name: "   "),
        UserRecord(externalID: "empty-name", name: ""),
        UserRecord(externalID: "accents", name: "Zoë Ångström-Løvelace", email: "zoe@example.com"),
        UserRecord(externalID: "combining", name: "Jose\u{301} Marti\u{301}"),
        UserRecord(externalID: "combining-space", name: "Ada \u{301}King"),
        UserRecord(externalID: "tab", name: "Ada\tKing"),
        UserRecord(externalID: "nbsp", name: "Ada\u{00A0}King Byron"),
        UserRecord(externalID: "emoji", name: "👩‍💻 Ada"),
        UserRecord(externalID: "quotes\"and\\slashes", name: "\"Ada\" \\ King\n", email: "q@example.com"),
        UserRecord(externalID: "control", name: "A\u{1}B \u{7F}C"),
        UserRecord(externalID: "first-only", name: "Ignored Name", firstName: "Augusta"),
        UserRecord(externalID: "last-only", lastName: "King"),
        UserRecord(externalID: "both-names", firstName: "Augusta Ada", lastName: "King-Noel", phone: "+44 1"),
        UserRecord(
            externalID: "numbers",
            metadata: ["plan": .number("1.50"), "seats": .number("-0"), "nested": .number("1e3"), "big": .number("123456789012345678901234567890")]),
        UserRecord(
            externalID: "nested", name: "N N",
            metadata: ["nested": ["z": [1, ["b": nil, "a": false]], "a": "é", "": "empty key"], "plan": nil, "seats": true, "extra": ["x"]]),
        UserRecord(externalID: "unicode-keys", metadata: ["ü": 1, "Z": 2, "a": 3, "\u{1F600}": 4, "plan": "😀"]),
        UserRecord(externalID: String(repeating: "x", count: 50), name: String(repeating: "f", count: 100) + " " + String(repeating: "l", count: 100)),
        UserRecord(externalID: String(repeating: "x", count: 51)),
        UserRecord(externalID: "first-101", name: String(repeating: "f", count: 101) + " Last"),
        UserRecord(externalID: "last-101", name: "First " + String(repeating: "l", count: 101)),
        UserRecord(externalID: "accented-100", name: String(repeating: "é", count: 100)),
        UserRecord(externalID: "accented-101", name: String(repeating: "é", count: 101)),
        UserRecord(externalID: "email-255", email: String(repeating: "e", count: 243) + "@example.com"),
        UserRecord(externalID: "email-256", email: String(repeating: "e", count: 244) + "@example.com"),
        UserRecord(externalID: "phone-101", phone: String(repeating: "1", count: 101)),
    ]

    @Test(arguments: Factory.allCases, trickyRecords)
    func theDigestWithoutTheDocumentIsTheDigestOfTheDocument(factory: Factory, record: UserRecord) async throws {
        try await withSubject(factory) { s in
            let fast = s.adapter.projector.digest(record)
            let slow = s.adapter.projector.project(record).map(\.digest)
            #expect(fast == slow)
        }
    }

    @Test(arguments: trickyRecords)
    func contentFieldOrderDoesNotChangeTheCommBoxDigest(record: UserRecord) {
        // Field names that sort differently by UTF-16, by UTF-8 and case-insensitively.
        let mapping = ["plan": "Zeta", "seats": "alpha", "nested": "Ä_field", "extra": "_x", "big": "\u{1F600}", "a": "é", "Z": "e"]
        let projector = CommBoxProjector(contentMapping: mapping)
        #expect(projector.digest(record) == projector.project(record).map(\.digest))
    }
}
