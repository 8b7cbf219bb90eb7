import Testing
import UserSyncCore

/// Three-way reconciliation, field by field, as golden scenarios: base (what the provider was
/// last confirmed to hold), local projection, remote document → accepted paths and conflicts.
/// The scenarios are folders under `Golden/reconciler`; the tests here say what a transcript cannot.
@Suite("Reconciler golden scenarios")
struct ReconcilerGoldenTests {
    static let folders = GoldenFolder.all("reconciler")

    @Test func theScenarioFoldersAreFound() {
        #expect(Self.folders.count >= 15, "Golden/reconciler is missing or was emptied")
    }

    /// `Golden/reconciler/<case>/`: base, local and remote documents → accepted paths and
    /// conflicts with their resolution and rule (see `ReconcilerGoldenFixture`).
    @Test(arguments: folders)
    func golden(_ folder: GoldenFolder) throws {
        let fixture = try ReconcilerGoldenFixture(folder)
        let outcome = Reconciler(policy: fixture.policy).reconcile(fixture.input)
        if let difference = folder.compare(ReconcilerTranscript.render(outcome)) {
            Issue.record(Comment(rawValue: difference))
        }
    }

    @Test func unownedPathsAreNeverActedOn() {
        // Given a provider field the source has no column for (Phone1)
        let base: JSONValue = ["FirstName": "Ada", "Phone1": "1"]
        let remote: JSONValue = ["FirstName": "Ada", "Phone1": "2"]
        // When it changes remotely
        let outcome = Reconciler(policy: .remote).reconcile(.init(base: base, local: ["FirstName": "Ada"], remote: remote), owns: { $0 != "Phone1" })
        // Then nothing is accepted or in conflict
        #expect(outcome.isEmpty)
    }

    @Test func acceptedEditCarriesBothValues() {
        let outcome = Reconciler(policy: .local).reconcile(.init(base: ["email": "a@x.io"], local: ["email": "a@x.io"], remote: ["email": "b@x.io"]))
        #expect(outcome.accepted == [Reconciler.AcceptedEdit(path: "email", local: "a@x.io", remote: "b@x.io")])
    }
}
