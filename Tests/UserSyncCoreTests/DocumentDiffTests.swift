import Testing
import UserSyncCore

@Suite("DocumentDiff")
struct DocumentDiffTests {
    let base: JSONValue = [
        "name": "Ada", "email": "ada@example.com", "metadata": ["plan": "pro", "seats": 3, "prefs": ["theme": "dark"]],
    ]

    private func changed(_ changes: [String: JSONValue?]) -> [String] {
        var object = base.objectValue!
        for (key, value) in changes { object[key] = value }
        return DocumentDiff.changedFields(from: base, to: .object(object))
    }

    private func changedMetadata(_ changes: [String: JSONValue?]) -> [String] {
        var metadata = base["metadata"]!.objectValue!
        for (key, value) in changes { metadata[key] = value }
        return changed(["metadata": .object(metadata)])
    }

    @Test func identicalDocumentsHaveNoChangedFields() {
        #expect(DocumentDiff.changedFields(from: base, to: base) == [])
        #expect(DocumentDiff.changedFields(from: nil, to: nil) == [])
    }

    @Test func topLevelChanges() {
        #expect(changed(["name": "Ada King"]) == ["name"])
        #expect(changed(["email": nil]) == ["email"])
        #expect(changed(["phone": "555"]) == ["phone"])
        #expect(changed(["name": "Ada King", "email": "ada@king.org"]) == ["email", "name"])
    }

    @Test func oneLevelIntoObjects() {
        #expect(changedMetadata(["plan": "enterprise"]) == ["metadata.plan"])
        #expect(changedMetadata(["team": "core"]) == ["metadata.team"])
        #expect(changedMetadata(["seats": nil]) == ["metadata.seats"])
        #expect(changedMetadata(["seats": 4, "plan": "free"]) == ["metadata.plan", "metadata.seats"])
    }

    @Test func deeperChangesAreNamedByTheirSecondLevelKey() {
        #expect(changedMetadata(["prefs": ["theme": "light"]]) == ["metadata.prefs"])
    }

    @Test func anObjectReplacedByAScalarIsTheWholeField() {
        #expect(changed(["metadata": "pro"]) == ["metadata"])
        #expect(changed(["metadata": nil]) == ["metadata"])
    }

    @Test func aScalarReplacedByAnObjectIsTheWholeField() {
        #expect(changed(["name": ["first": "Ada"]]) == ["name"])
    }

    @Test func everythingIsNewForACreate() {
        #expect(DocumentDiff.changedFields(from: nil, to: base) == ["email", "metadata.plan", "metadata.prefs", "metadata.seats", "name"])
        #expect(DocumentDiff.changedFields(from: nil, to: ["metadata": [:]]) == ["metadata"])
    }

    @Test func commBoxContentFieldsAreNamedToo() {
        let old: JSONValue = ["UniqueId": "ada", "Content": ["Plan": "pro", "Team": "x"]]
        let new: JSONValue = ["UniqueId": "ada", "Content": ["Plan": "enterprise", "Team": "x"]]
        #expect(DocumentDiff.changedFields(from: old, to: new) == ["Content.Plan"])
    }

    @Test
    func fieldsTheDigestConsidersEqualAreNotListed() {
        #expect(changedMetadata(["seats": .number("3.0")]) == [])
    }

    @Test
    func fieldsTheDigestConsidersChangedAreListed() {
        let nfc: JSONValue = ["name": "Andr\u{E9}"]
        let nfd: JSONValue = ["name": "Andre\u{301}"]
        #expect(nfc.digest != nfd.digest)
        #expect(DocumentDiff.changedFields(from: nfc, to: nfd) == ["name"])
    }
}
