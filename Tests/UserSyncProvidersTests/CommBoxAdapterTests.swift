import Foundation
import Testing
import UserSyncCore
import UserSyncProviders
import UserSyncSandbox

@Suite("CommBox adapter over real HTTP")
struct CommBoxAdapterTests {
    static let content = ["plan": "Plan", "prefs": "Preferences", "seats": "Seats", "vip": "VIP_Status"]

    // MARK: the update envelope

    @Test func anUpdateSendsTheDataEnvelopeWithCommBoxFieldNames() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(email: "ada@example.com")])
            let adapter = h.commBox(content: Self.content)
            let record = UserRecord(
                externalID: "ada", name: "Ada King Byron", email: "ada@example.com",
                metadata: ["plan": "pro", "prefs": ["lang": "en", "dark": true], "seats": 3, "vip": true, "secret": "not mapped"],
                phone: "19175555555")
            let document = try adapter.projector.project(record).get()
            let result = await adapter.push(document: document, providerUserID: String(seeded[0].id), record: record)
            // The sandbox refuses anything but {"data": {...}} with string fields: a 200 proves the shape.
            #expect(result.response == .success)
            let stored = try #require(h.sandbox.commBoxUser(id: seeded[0].id))
            #expect(stored.uniqueID == "ada")
            #expect(stored.firstName == "Ada")
            #expect(stored.lastName == "King Byron")
            #expect(stored.email == "ada@example.com")
            #expect(stored.phone1 == "19175555555")
            // Mapped keys only, renamed; nested values as JSON text, numbers and booleans as text.
            #expect(stored.content == [
                "Plan": "pro", "Preferences": #"{"dark":true,"lang":"en"}"#, "Seats": "3", "VIP_Status": "true",
            ])
            #expect(h.counts.commBox.route("POST /users/:id") == 1)
        }
    }

    @Test func firstAndLastNameColumnsWinOverTheSplitName() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(email: "ada@example.com")])
            let adapter = h.commBox()
            let record = UserRecord(externalID: "ada", name: "Countess Lovelace", firstName: "Augusta Ada", lastName: "King")
            let result = await adapter.push(document: try adapter.projector.project(record).get(), providerUserID: String(seeded[0].id), record: record)
            #expect(result.response == .success)
            let stored = try #require(h.sandbox.commBoxUser(id: seeded[0].id))
            #expect(stored.firstName == "Augusta Ada")
            #expect(stored.lastName == "King")
        }
    }

    @Test func absentFieldsStayAsTheyAreAtCommBox() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(
                firstName: "Old", lastName: "Name", email: "ada@example.com", phone1: "123", content: ["Plan": "free", "Other": "kept"])])
            let adapter = h.commBox(content: Self.content)
            let record = UserRecord(externalID: "ada", name: "Ada", metadata: ["plan": "pro"])
            let result = await adapter.push(document: try adapter.projector.project(record).get(), providerUserID: String(seeded[0].id), record: record)
            #expect(result.response == .success)
            let stored = try #require(h.sandbox.commBoxUser(id: seeded[0].id))
            #expect(stored.firstName == "Ada")
            #expect(stored.phone1 == "123")
            #expect(stored.content == ["Plan": "pro", "Other": "kept"])
        }
    }

    // MARK: fetch

    @Test func fetchParsesTheStringEncodedContentBackIntoTheProjectedShape() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(
                email: "ada@example.com", content: ["Unmapped": "ignored"])])
            let adapter = h.commBox(content: Self.content)
            let record = UserRecord(
                externalID: "ada", name: "Ada Lovelace", email: "ada@example.com",
                metadata: ["plan": "pro", "prefs": ["lang": "en", "list": [1, 2]], "seats": 3, "vip": false], phone: "+44 1")
            let projected = try adapter.projector.project(record).get()
            let id = String(seeded[0].id)
            #expect(await adapter.push(document: projected, providerUserID: id, record: record).response == .success)
            let fetched = await adapter.fetch(providerUserID: id, externalID: "ada")
            guard case .user(let user) = fetched else {
                Issue.record("fetch failed: \(fetched)")
                return
            }
            #expect(user.document == projected)
            #expect(user.providerUserID == id)
            #expect(user.externalID == "ada")
            #expect(user.updatedAt != nil)
            #expect(h.counts.commBox.route("GET /users/:id") == 1)
        }
    }

    @Test func fetchOfAnUnknownIDIsNotFound() async throws {
        try await withProviderSandbox { h in
            let fetched = await h.commBox().fetch(providerUserID: "424242", externalID: "ghost")
            guard case .failed(.notFound) = fetched else {
                Issue.record("expected notFound, got \(fetched)")
                return
            }
        }
    }

    // MARK: id lookup by e-mail identity

    @Test func idsAreLookedUpByEmailIdentity() async throws {
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedCommBoxUsers([
                SandboxCommBoxSeed(email: "ada@example.com"), SandboxCommBoxSeed(email: "grace+navy@example.com"),
            ])
            let resolved = await h.commBox().resolveIDs(for: [
                UserRecord(externalID: "ada", email: "ada@example.com"),
                UserRecord(externalID: "grace", email: "grace+navy@example.com"),
                UserRecord(externalID: "ghost", email: "ghost@example.com"),
            ])
            #expect(resolved == [
                "ada": .found(String(seeded[0].id)), "grace": .found(String(seeded[1].id)), "ghost": .missing,
            ])
            let log = h.log(.commBox)
            #expect(log.count == 3)
            for entry in log {
                #expect(entry.route == "GET /users/by-identity")
                #expect(entry.path.contains("streamProviderType=4"))
            }
            // A "+" in the address must reach CommBox as "+", not as a space.
            #expect(log.contains { $0.path.contains("grace%2Bnavy%40example.com") })
        }
    }

    @Test func aNonASCIIEmailIsLookedUpPercentEncodedAsUTF8() async throws {
        // The e-mail check accepts internationalised addresses; they must reach CommBox intact.
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(email: "zoë@exämple.com")])
            let resolved = await h.commBox().resolveIDs(for: [UserRecord(externalID: "zoe", email: "zoë@exämple.com")])
            #expect(resolved == ["zoe": .found(String(seeded[0].id))])
            let path = try #require(h.log(.commBox).first?.path)
            #expect(path.contains("streamProviderId=zo%C3%AB%40ex%C3%A4mple.com"), "sent \(path)")
        }
    }

    @Test func theIdentityTypeComesFromTheConfiguration() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(email: "ada@example.com")])
            let resolved = await h.commBox(streamProviderType: 7).resolveIDs(for: [UserRecord(externalID: "ada", email: "ada@example.com")])
            // The sandbox only knows e-mail identities (type 4).
            #expect(resolved == ["ada": .missing])
            #expect(h.log(.commBox).first?.path.contains("streamProviderType=7") == true)
        }
    }

    @Test func aRecordWithACommBoxIDNeedsNoRequest() async throws {
        try await withProviderSandbox { h in
            let resolved = await h.commBox().resolveIDs(for: [UserRecord(externalID: "ada", email: "ada@example.com", providerIDs: [.commbox: "100042"])])
            #expect(resolved == ["ada": .found("100042")])
            #expect(h.counts.commBox.total == 0)
        }
    }

    @Test func aRecordWithoutEmailCannotBeLookedUpAndCostsNoRequest() async throws {
        try await withProviderSandbox { h in
            let resolved = await h.commBox().resolveIDs(for: [UserRecord(externalID: "ada", name: "Ada")])
            #expect(resolved == ["ada": .missing])
            #expect(h.counts.commBox.total == 0)
        }
    }

    @Test func aRefusedTokenDuringLookupIsAnAuthenticationFailure() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(email: "ada@example.com")])
            let resolved = await h.commBox(token: "wrong").resolveIDs(for: [UserRecord(externalID: "ada", email: "ada@example.com")])
            guard case .failed(.authentication(401, _))? = resolved["ada"] else {
                Issue.record("expected a 401 failure, got \(String(describing: resolved["ada"]))")
                return
            }
        }
    }

    // MARK: local length limits

    @Test func aFirstNameOverOneHundredCharactersIsRejectedLocally() throws {
        let record = UserRecord(externalID: "ada", firstName: String(repeating: "a", count: 101), lastName: "L")
        let result = CommBoxProjector().project(record)
        #expect(throws: RejectionReason.fieldTooLong(field: "FirstName", length: 101, limit: 100, provider: "CommBox")) {
            try result.get()
        }
        let exactly = UserRecord(externalID: "ada", firstName: String(repeating: "a", count: 100))
        #expect((try? CommBoxProjector().project(exactly).get()) != nil)
    }

    @Test func aSplitNameWhoseFirstWordIsTooLongIsRejectedLocally() {
        let record = UserRecord(externalID: "ada", name: String(repeating: "b", count: 101) + " Lovelace")
        guard case .failure(.fieldTooLong(let field, 101, 100, _)) = CommBoxProjector().project(record) else {
            Issue.record("expected fieldTooLong")
            return
        }
        #expect(field == "FirstName")
    }

    @Test func anOverlongUniqueIdIsRejectedLocally() {
        let record = UserRecord(externalID: String(repeating: "9", count: 51))
        guard case .failure(.fieldTooLong("UniqueId", 51, 50, _)) = CommBoxProjector().project(record) else {
            Issue.record("expected fieldTooLong on UniqueId")
            return
        }
    }

    /// CommBox (a .NET service, emulated so by the sandbox) counts lengths in UTF-16 code
    /// units; the projector counts Unicode scalars. 60 emoji are 60 scalars but 120 UTF-16
    /// units: the projector lets the value through and CommBox refuses it with a 400.
    @Test
    func lengthLimitsAreCountedTheWayCommBoxCountsThem() async throws {
        let record = UserRecord(externalID: "ada", email: "ada@example.com", firstName: String(repeating: "😀", count: 60))
        guard case .failure(.fieldTooLong("FirstName", _, 100, _)) = CommBoxProjector().project(record) else {
            Issue.record("a 120-UTF-16-unit first name passed the local check")
            return
        }
    }

    @Test func theSandboxRefusesWhatTheProjectorLetsThroughWithEmoji() async throws {
        // Documents the consequence of the bug above at the wire: a 400, i.e. a dead letter
        // instead of a rejected row.
        try await withProviderSandbox { h in
            let seeded = try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(email: "ada@example.com")])
            let adapter = h.commBox()
            let record = UserRecord(externalID: "ada", firstName: String(repeating: "😀", count: 60))
            guard case .success(let document) = adapter.projector.project(record) else { return }
            let result = await adapter.push(document: document, providerUserID: String(seeded[0].id), record: record)
            guard case .permanent(400, let message) = result.response else {
                Issue.record("expected a 400, got \(result.response)")
                return
            }
            #expect(message.contains("FirstName"))
        }
    }
}
