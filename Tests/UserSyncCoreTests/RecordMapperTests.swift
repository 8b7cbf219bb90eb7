import Testing
import UserSyncCore

@Suite("RecordMapper")
struct RecordMapperTests {
    static let location = SourceLocation(.row, 7, line: 9)
    let mapper = RecordMapper(mapping: FieldMapping())

    private func map(_ columns: [String: JSONValue], mapper: RecordMapper? = nil) -> Result<UserRecord, Rejection> {
        (mapper ?? self.mapper).record(from: SourceRow(location: Self.location, columns: columns))
    }

    private func rejectionOf(_ columns: [String: JSONValue]) -> Rejection? {
        if case .failure(let rejection) = map(columns) { return rejection }
        return nil
    }

    private func recordOf(_ columns: [String: JSONValue]) -> UserRecord? {
        try? map(columns).get()
    }

    // MARK: External id

    @Test(arguments: [
        [:], ["id": ""], ["id": "   "], ["id": " \t\r\n"], ["id": nil], ["id": ["nested": 1]], ["id": [1]],
        ["identifier": "u1"],
    ] as [[String: JSONValue]])
    func missingOrBlankExternalID(_ columns: [String: JSONValue]) {
        let rejection = rejectionOf(columns.merging(["name": "Ada"]) { a, _ in a })
        #expect(rejection?.reason == .missingExternalID)
        #expect(rejection?.externalID == nil)
        #expect(rejection?.location == Self.location)
        #expect(rejection?.reason.code == "missing_external_id")
    }

    @Test func externalIDIsTrimmed() {
        #expect(recordOf(["id": "  u1\t"])?.externalID == "u1")
    }

    @Test(arguments: [(JSONValue.number("42"), "42"), (.number("007"), "007"), (.number("1.0"), "1.0"), ("42", "42")])
    func numericIDIsAcceptedAsText(_ id: JSONValue, _ expected: String) {
        #expect(recordOf(["id": id])?.externalID == expected)
    }

    // MARK: Text fields

    @Test func mapsEveryField() throws {
        let mapping = FieldMapping(
            externalID: "user_id", name: "full_name", email: "mail", metadata: "meta", firstName: "given",
            lastName: "family", phone: "tel", providerIDs: ["performchat": "pc", "commbox": "cb"])
        let row: [String: JSONValue] = [
            "user_id": "u1", "full_name": "Ada Lovelace", "mail": "ada@example.com", "meta": ["plan": "pro"],
            "given": "Ada", "family": "Lovelace", "tel": .number("4420"), "pc": "pc-1", "cb": .number("99"),
            "ignored": "x",
        ]
        let record = try map(row, mapper: RecordMapper(mapping: mapping)).get()
        #expect(record == UserRecord(
            externalID: "u1", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "pro"],
            firstName: "Ada", lastName: "Lovelace", phone: "4420", providerIDs: ["performchat": "pc-1", "commbox": "99"]))
    }

    @Test func emptyNullAndAbsentTextFieldsAreNil() {
        let record = recordOf(["id": "u1", "name": "", "email": nil])
        #expect(record == UserRecord(externalID: "u1"))
    }

    @Test func scalarsInTextFieldsBecomeText() {
        let record = recordOf(["id": "u1", "name": true])
        #expect(record?.name == "true")
    }

    @Test func unmappedFieldsAreNotRead() {
        let mapper = RecordMapper(mapping: FieldMapping(name: nil, email: nil, metadata: nil))
        let record = try? map(["id": "u1", "name": "Ada", "email": "not an address", "metadata": 5], mapper: mapper).get()
        #expect(record == UserRecord(externalID: "u1"))
    }

    @Test(arguments: [
        ("name", JSONValue.object(["first": "Ada"]), "expected text, got a JSON object"),
        ("name", JSONValue.array(["Ada"]), "expected text, got a JSON array"),
        ("email", JSONValue.object(["user": "ada"]), "expected text, got a JSON object"),
    ] as [(String, JSONValue, String)])
    func nestedValueInATextFieldIsInvalidField(_ field: String, _ value: JSONValue, _ why: String) {
        let rejection = rejectionOf(["id": "u1", field: value])
        #expect(rejection?.reason == .invalidField(field: field, reason: why))
        #expect(rejection?.reason.code == "invalid_field")
        #expect(rejection?.externalID == "u1")
        #expect(rejection?.location == Self.location)
    }

    // MARK: E-mail

    @Test(arguments: [
        ("ada", "no @ sign"),
        ("@example.com", "nothing before the @"),
        ("ada@", "nothing after the @"),
        ("ada@@example.com", "more than one @ sign"),
        ("ada lovelace@example.com", "contains white space or control characters"),
        ("ada@localhost", "the domain has no dot"),
        ("ada@example..com", "the domain has an empty label"),
    ])
    func invalidEmail(_ email: String, _ why: String) {
        let rejection = rejectionOf(["id": "u1", "email": .string(email)])
        #expect(rejection?.reason == .invalidEmail(why))
        #expect(rejection?.reason.code == "invalid_email")
        #expect(rejection?.reason.message == "invalid e-mail address: \(why)")
        #expect(rejection?.externalID == "u1")
        #expect(rejection?.location == Self.location)
    }

    @Test func validEmailIsKeptAsWritten() {
        #expect(recordOf(["id": "u1", "email": "Ada.Lovelace@Example.com"])?.email == "Ada.Lovelace@Example.com")
    }

    // MARK: Metadata

    @Test func metadataAsAnObject() {
        #expect(recordOf(["id": "u1", "metadata": ["plan": "pro", "seats": 3]])?.metadata == ["plan": "pro", "seats": 3])
    }

    @Test func metadataAsJSONText() {
        let record = recordOf(["id": "u1", "metadata": #" {"plan": "pro", "tags": ["a"], "score": 1.50} "#])
        #expect(record?.metadata == ["plan": "pro", "tags": ["a"], "score": .number("1.50")])
    }

    @Test(arguments: [JSONValue.string(""), " ", "\t\n", nil])
    func emptyMetadataCellIsAnEmptyObject(_ cell: JSONValue) {
        #expect(recordOf(["id": "u1", "metadata": cell])?.metadata == [:])
    }

    @Test func absentMetadataColumnIsAnEmptyObject() {
        #expect(recordOf(["id": "u1"])?.metadata == [:])
    }

    @Test(arguments: [
        (JSONValue.number("5"), "a JSON number"),
        (true, "a JSON boolean"),
        ([1, 2], "a JSON array"),
        ("[1, 2]", "a JSON array"),
        ("\"text\"", "a JSON string"),
        ("42", "a JSON number"),
        ("null", "a JSON null"),
    ] as [(JSONValue, String)])
    func metadataThatIsNotAnObject(_ cell: JSONValue, _ kind: String) {
        let rejection = rejectionOf(["id": "u1", "metadata": cell])
        #expect(rejection?.reason == .metadataNotObject(kind))
        #expect(rejection?.reason.code == "metadata_not_object")
        #expect(rejection?.externalID == "u1")
    }

    @Test(arguments: ["plan=pro", "{plan: pro}", #"{"plan":"pro""#, #"{"a":1} x"#])
    func metadataTextThatIsNotJSON(_ text: String) throws {
        let rejection = try #require(rejectionOf(["id": "u1", "metadata": .string(text)]))
        guard case .metadataNotObject(let why) = rejection.reason else {
            Issue.record("expected metadata_not_object, got \(rejection.reason)")
            return
        }
        #expect(why.hasPrefix("text that is not JSON ("))
    }

    // MARK: Order of checks and purity

    @Test func anInvalidFieldIsReportedBeforeAnInvalidEmailOrMetadata() {
        let rejection = rejectionOf(["id": "u1", "name": ["x": 1], "email": "bad", "metadata": 5])
        #expect(rejection?.reason.code == "invalid_field")
    }

    @Test func anInvalidEmailIsReportedBeforeBadMetadata() {
        let rejection = rejectionOf(["id": "u1", "email": "bad", "metadata": 5])
        #expect(rejection?.reason.code == "invalid_email")
    }

    @Test func theSameRowGivesTheSameResult() {
        let row: [String: JSONValue] = ["id": "u1", "name": "Ada", "metadata": #"{"b":1,"a":2}"#]
        #expect(recordOf(row) == recordOf(row))
    }

    // MARK: Reasons

    @Test func everyReasonHasAStableCode() {
        let reasons: [(RejectionReason, String)] = [
            (.unparseable("x"), "unparseable"), (.invalidUTF8, "invalid_utf8"), (.missingExternalID, "missing_external_id"),
            (.duplicateExternalID("u1"), "duplicate_external_id"), (.invalidEmail("x"), "invalid_email"),
            (.metadataNotObject("x"), "metadata_not_object"),
            (.fieldTooLong(field: "FirstName", length: 101, limit: 100, provider: "CommBox"), "field_too_long"),
            (.invalidField(field: "name", reason: "x"), "invalid_field"),
        ]
        for (reason, code) in reasons {
            #expect(reason.code == code)
            #expect(!reason.message.isEmpty)
        }
        #expect(RejectionReason.fieldTooLong(field: "FirstName", length: 101, limit: 100, provider: "CommBox").message
            == "FirstName is 101 characters, CommBox accepts at most 100")
    }

    @Test func locationsDescribeThemselves() {
        #expect(SourceLocation(.line, 3).description == "line 3")
        #expect(SourceLocation(.row, 4, line: 6).description == "row 4 (line 6)")
        #expect(SourceLocation(.element, 2, line: 10).description == "element 2 (line 10)")
        #expect(SourceLocation(.line, 3, line: 3).description == "line 3")
    }

    @Test func recordDocumentRoundTrips() {
        let record = UserRecord(
            externalID: "u1", name: "Ada", email: "ada@example.com", metadata: ["plan": "pro"], firstName: "A",
            lastName: "L", phone: "1", providerIDs: ["performchat": "p", "commbox": "c"])
        #expect(UserRecord(document: record.document) == record)
        #expect(UserRecord(externalID: "u2").document == ["external_id": "u2", "metadata": [:]])
        #expect(UserRecord(document: ["name": "no id"]) == nil)
    }

    /// Merge bases and snapshots are stored documents: one written when each provider's id
    /// was a field of its own reads into the map, and is written back byte for byte.
    @Test func aDocumentStoredWithProviderIDFieldsStillReads() throws {
        let stored = #"{"commbox_id":"101","email":"ada@example.com","external_id":"u1","metadata":{"plan":"pro"},"name":"Ada","performchat_id":"pc-1"}"#
        let record = try #require(UserRecord(document: try JSONParser.parse(stored)))
        #expect(record.providerIDs == ["performchat": "pc-1", "commbox": "101"])
        #expect(record.externalID == "u1")
        #expect(record.name == "Ada")
        #expect(record.metadata == ["plan": "pro"])
        #expect(record.document.canonicalText == stored)
    }

    @Test func providerIDFieldsAreTheOnlyOtherIDFields() {
        #expect(ProviderID(idField: "performchat_id") == "performchat")
        #expect(ProviderID(idField: "external_id") == nil)
        #expect(ProviderID(idField: "_id") == nil)
        #expect(ProviderID(idField: "name") == nil)
        #expect(ProviderID("echodesk").idField == "echodesk_id")
    }
}
