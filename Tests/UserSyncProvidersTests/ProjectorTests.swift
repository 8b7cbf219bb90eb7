import Testing
import UserSyncCore
import UserSyncProviders

@Suite("Provider projectors")
struct ProjectorTests {
    static let ada = UserRecord(
        externalID: "ada", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "pro", "seats": 3],
        phone: "+44 20 7946 0000", providerIDs: [.performchat: "pc-1", .commbox: "101"])

    private func project(_ projector: some ProviderProjector, _ record: UserRecord) throws -> JSONValue {
        try projector.project(record).get()
    }

    private func failure(_ projector: some ProviderProjector, _ record: UserRecord) -> RejectionReason? {
        if case .failure(let reason) = projector.project(record) { return reason }
        return nil
    }

    // MARK: perform.chat

    @Test func performChatStoresNameEmailAndTheWholeMetadata() throws {
        let projector = PerformChatProjector()
        #expect(projector.provider == .performchat)
        #expect(try project(projector, Self.ada) == [
            "name": "Ada Lovelace", "email": "ada@example.com", "metadata": ["plan": "pro", "seats": 3],
        ])
    }

    @Test func performChatOmitsAbsentFieldsButAlwaysSendsMetadata() throws {
        #expect(try project(PerformChatProjector(), UserRecord(externalID: "u1")) == ["metadata": [:]])
    }

    @Test func performChatIgnoresFieldsItDoesNotStore() throws {
        var other = Self.ada
        other.phone = "1"
        other.firstName = "A"
        other.providerIDs[.commbox] = "x"
        #expect(try project(PerformChatProjector(), other).digest == project(PerformChatProjector(), Self.ada).digest)
    }

    // MARK: CommBox

    @Test func commBoxUsesItsOwnFieldNames() throws {
        let projector = CommBoxProjector()
        #expect(projector.provider == .commbox)
        #expect(try project(projector, Self.ada) == [
            "UniqueId": "ada", "FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com",
            "Phone1": "+44 20 7946 0000",
        ])
    }

    @Test(arguments: [
        ("Ada Lovelace", "Ada", "Lovelace"),
        ("Ada", "Ada", nil),
        ("  Ada   King Byron ", "Ada", "King Byron"),
        ("Ada ", "Ada", nil),
        ("", nil, nil),
        ("   ", nil, nil),
    ] as [(String, String?, String?)])
    func commBoxSplitsTheNameOnItsFirstSpace(_ name: String, _ first: String?, _ last: String?) throws {
        let document = try project(CommBoxProjector(), UserRecord(externalID: "u1", name: name))
        #expect(document["FirstName"]?.stringValue == first)
        #expect(document["LastName"]?.stringValue == last)
    }

    @Test func commBoxPrefersSeparateNameColumns() throws {
        let both = UserRecord(externalID: "u1", name: "Ada Lovelace", firstName: "Augusta", lastName: "King")
        #expect(try project(CommBoxProjector(), both)["FirstName"] == "Augusta")
        #expect(try project(CommBoxProjector(), both)["LastName"] == "King")
        let firstOnly = UserRecord(externalID: "u1", name: "Ada Lovelace", firstName: "Augusta")
        #expect(try project(CommBoxProjector(), firstOnly)["LastName"] == nil)
    }

    @Test func commBoxMinimalDocument() throws {
        #expect(try project(CommBoxProjector(), UserRecord(externalID: "u1", metadata: ["plan": "pro"])) == ["UniqueId": "u1"])
    }

    @Test(arguments: [
        ("UniqueId", 50), ("FirstName", 100), ("LastName", 100), ("Email", 255), ("Phone1", 100),
    ])
    func commBoxRejectsValuesOverItsLimits(_ field: String, _ limit: Int) {
        func record(_ length: Int) -> UserRecord {
            let value = String(repeating: "x", count: length)
            switch field {
            case "UniqueId": return UserRecord(externalID: value)
            case "FirstName": return UserRecord(externalID: "u1", firstName: value)
            case "LastName": return UserRecord(externalID: "u1", lastName: value)
            case "Email": return UserRecord(externalID: "u1", email: value)
            default: return UserRecord(externalID: "u1", phone: value)
            }
        }
        #expect(failure(CommBoxProjector(), record(limit)) == nil, "exactly at the limit is fine")
        #expect(failure(CommBoxProjector(), record(limit + 1))
            == .fieldTooLong(field: field, length: limit + 1, limit: limit, provider: "CommBox"))
        #expect(CommBoxProjector.limits[field] == limit)
    }

    @Test
    func commBoxNamesTheSameOverLongFieldEveryRun() {
        // Every field over its limit: the first in CommBox's documented order should be named.
        let record = UserRecord(
            externalID: String(repeating: "i", count: 51), email: String(repeating: "e", count: 256),
            firstName: String(repeating: "f", count: 101), lastName: String(repeating: "l", count: 101),
            phone: String(repeating: "p", count: 101))
        #expect(failure(CommBoxProjector(), record) == .fieldTooLong(field: "UniqueId", length: 51, limit: 50, provider: "CommBox"))
    }

    @Test func commBoxCountsCharactersNotBytes() {
        let accented = UserRecord(externalID: "u1", firstName: String(repeating: "é", count: 100))
        #expect(failure(CommBoxProjector(), accented) == nil)
    }

    @Test func commBoxLimitsApplyToTheSplitName() {
        let long = UserRecord(externalID: "u1", name: "Ada " + String(repeating: "y", count: 101))
        #expect(failure(CommBoxProjector(), long)?.code == "field_too_long")
    }

    /// CommBox's ids are its own numbers: anything else would only ever 404 and be
    /// dead-lettered. It is refused up front, for CommBox only, with the reason.
    @Test(arguments: ["abc", "0", "-4", "12.5", "cb-1"])
    func aCommBoxIDThatIsNotAPositiveIntegerIsRefused(_ id: String) throws {
        let record = UserRecord(externalID: "u1", name: "Ada", providerIDs: [.commbox: id])
        guard case .invalidField(let field, let reason)? = failure(CommBoxProjector(), record) else {
            Issue.record("\(id) was accepted")
            return
        }
        #expect(field == "commbox_id")
        #expect(reason.contains("positive integer"))
        #expect(CommBoxProjector().digest(record).map { _ in true } == .failure(.invalidField(field: field, reason: reason)))
        #expect(failure(CommBoxProjector(), UserRecord(externalID: "u1", providerIDs: [.commbox: "94382332"])) == nil)
    }

    @Test func commBoxMapsMetadataToCustomFieldsAsText() throws {
        let projector = CommBoxProjector(contentMapping: [
            "plan": "Plan", "score": "Score", "vip": "VIP", "tags": "Tags", "prefs": "Prefs", "gone": "Gone", "none": "None",
        ])
        let record = UserRecord(externalID: "u1", metadata: [
            "plan": "pro", "score": .number("1.50"), "vip": true, "tags": ["b", "a"], "prefs": ["z": 1, "a": nil],
            "none": nil, "unmapped": "x",
        ])
        #expect(try project(projector, record)["Content"] == [
            "Plan": "pro", "Score": "1.50", "VIP": "true", "Tags": #"["b","a"]"#, "Prefs": #"{"a":null,"z":1}"#,
        ], "a null value is no value: left out, like a missing key (and cleared if CommBox holds one)")
    }

    @Test func commBoxSendsNoContentWhenNothingIsMapped() throws {
        let projector = CommBoxProjector(contentMapping: ["team": "Team"])
        #expect(try project(projector, Self.ada)["Content"] == nil)
    }

    // MARK: Planning with the real projectors

    static let mapping = FieldMapping(phone: "phone")

    private func row(_ record: UserRecord, _ changes: [String: JSONValue] = [:]) -> SourceItem {
        var columns: [String: JSONValue] = ["id": .string(record.externalID), "metadata": .object(record.metadata)]
        if let name = record.name { columns["name"] = .string(name) }
        if let email = record.email { columns["email"] = .string(email) }
        if let phone = record.phone { columns["phone"] = .string(phone) }
        return .row(SourceRow(location: SourceLocation(.line, 1), columns: columns.merging(changes) { _, new in new }))
    }

    private func plan(
        _ item: SourceItem, commbox: CommBoxProjector = CommBoxProjector(), snapshot: UserRecord = ProjectorTests.ada
    ) throws -> (changes: [PlannedChange], rejections: [Rejection], summary: PlanSummary) {
        let projectors: [any ProviderProjector] = [PerformChatProjector(), commbox]
        var planner = Planner(projectors: projectors, mapping: Self.mapping, deletions: .report)
        for projector in projectors {
            planner.remember(provider: projector.provider, externalID: snapshot.externalID, digest: try projector.project(snapshot).get().digest)
        }
        var changes: [PlannedChange] = []
        var rejections: [Rejection] = []
        planner.consider(item) { event in
            switch event {
            case .change(let change): changes.append(change)
            case .rejected(let rejection): rejections.append(rejection)
            case .retract: Issue.record("unexpected retract")
            }
        }
        let summary = planner.finish { _ in Issue.record("unexpected removal") }
        return (changes, rejections, summary)
    }

    @Test func anUnchangedUserCostsNothingAtEitherProvider() throws {
        let outcome = try plan(row(Self.ada))
        #expect(outcome.changes.isEmpty)
        #expect(outcome.summary.unchanged == 1)
    }

    @Test func aMetadataChangeReachesOnlyPerformChat() throws {
        let outcome = try plan(row(Self.ada, ["metadata": ["plan": "enterprise", "seats": 3]]))
        #expect(outcome.changes.map(\.provider) == [.performchat])
        #expect(outcome.changes.first?.kind == .update)
        #expect(outcome.changes.first?.document?["metadata"] == ["plan": "enterprise", "seats": 3])
    }

    @Test func aMappedMetadataChangeReachesBoth() throws {
        let outcome = try plan(
            row(Self.ada, ["metadata": ["plan": "enterprise", "seats": 3]]),
            commbox: CommBoxProjector(contentMapping: ["plan": "Plan"]))
        #expect(outcome.changes.map(\.provider) == [.performchat, .commbox])
        #expect(outcome.changes.last?.document?["Content"] == ["Plan": "enterprise"])
    }

    @Test func aPhoneChangeReachesOnlyCommBox() throws {
        let outcome = try plan(row(Self.ada, ["phone": "+44 20 7946 0001"]))
        #expect(outcome.changes.map(\.provider) == [.commbox])
        #expect(outcome.summary.providers[.commbox]?.updated == 1)
        #expect(outcome.summary.providers[.performchat]?.updated == 0)
    }

    @Test func aNameChangeReachesBoth() throws {
        let outcome = try plan(row(Self.ada, ["name": "Augusta Ada King"]))
        #expect(outcome.changes.map(\.provider) == [.performchat, .commbox])
        #expect(outcome.changes.last?.document?["FirstName"] == "Augusta")
        #expect(outcome.changes.last?.document?["LastName"] == "Ada King")
    }

    @Test func aNameTooLongForCommBoxIsRefusedByCommBoxOnly() throws {
        let outcome = try plan(row(Self.ada, ["name": .string(String(repeating: "n", count: 101))]))
        #expect(outcome.changes.map(\.provider) == [.performchat], "perform.chat, which has no such limit, still gets the user")
        #expect(outcome.rejections.map(\.reason) == [
            .fieldTooLong(field: "FirstName", length: 101, limit: 100, provider: "CommBox"),
        ])
        #expect(outcome.rejections.first?.externalID == "ada")
        #expect(outcome.rejections.first?.provider == .commbox)
        #expect(outcome.summary.rejectedByReason.isEmpty)
        #expect(outcome.summary.providers[.commbox]?.refusedByReason == ["field_too_long": 1])
    }
}
