import Testing
import UserSyncCore

/// Three-way reconciliation, field by field, as golden scenarios: base (what the provider was
/// last confirmed to hold), local projection, remote document → accepted paths and conflicts.
@Suite("Reconciler golden scenarios")
struct ReconcilerGoldenTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let policy: ConflictPolicy
        let base: JSONValue?
        let local: JSONValue
        let remote: JSONValue
        var localTime: Double? = nil
        var remoteTime: Double? = nil
        let accepted: [String]
        let conflicts: [String: Reconciler.Conflict.Resolution]
        var testDescription: String { name }
    }

    static let base: JSONValue = ["name": "Ada", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]]

    static let cases: [Case] = [
        Case(name: "nothing changed", policy: .local, base: base, local: base, remote: base, accepted: [], conflicts: [:]),
        Case(name: "remote-only change is pulled back", policy: .local, base: base, local: base,
             remote: ["name": "Ada King", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             accepted: ["name"], conflicts: [:]),
        Case(name: "local-only change is left to the planner", policy: .local, base: base,
             local: ["name": "Ada L", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]], remote: base,
             accepted: [], conflicts: [:]),
        Case(name: "same change on both sides is nothing", policy: .manual, base: base,
             local: ["name": "Ada K", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             remote: ["name": "Ada K", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             accepted: [], conflicts: [:]),
        Case(name: "metadata merges key by key: local plan, remote country", policy: .manual, base: base,
             local: ["name": "Ada", "email": "ada@example.com", "metadata": ["plan": "pro", "country": "UK"]],
             remote: ["name": "Ada", "email": "ada@example.com", "metadata": ["plan": "free", "country": "FR"]],
             accepted: ["metadata.country"], conflicts: [:]),
        Case(name: "remote adds a metadata key", policy: .local, base: base, local: base,
             remote: ["name": "Ada", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK", "vip": true]],
             accepted: ["metadata.vip"], conflicts: [:]),
        Case(name: "remote removes a metadata key", policy: .local, base: base, local: base,
             remote: ["name": "Ada", "email": "ada@example.com", "metadata": ["plan": "free"]],
             accepted: ["metadata.country"], conflicts: [:]),
        Case(name: "conflict, policy local", policy: .local, base: base,
             local: ["name": "Ada L", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             remote: ["name": "Ada R", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             accepted: [], conflicts: ["name": .local]),
        Case(name: "conflict, policy remote", policy: .remote, base: base,
             local: ["name": "Ada L", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             remote: ["name": "Ada R", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             accepted: ["name"], conflicts: ["name": .remote]),
        Case(name: "conflict, policy manual holds", policy: .manual, base: base,
             local: ["name": "Ada L", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             remote: ["name": "Ada R", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             accepted: [], conflicts: ["name": .held]),
        Case(name: "conflict, policy newest, remote later", policy: .newest, base: base,
             local: ["name": "Ada L", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             remote: ["name": "Ada R", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             localTime: 100, remoteTime: 200, accepted: ["name"], conflicts: ["name": .remote]),
        Case(name: "conflict, policy newest, local later", policy: .newest, base: base,
             local: ["name": "Ada L", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             remote: ["name": "Ada R", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             localTime: 300, remoteTime: 200, accepted: [], conflicts: ["name": .local]),
        Case(name: "conflict, policy newest without a local time falls back to local", policy: .newest, base: base,
             local: ["name": "Ada L", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             remote: ["name": "Ada R", "email": "ada@example.com", "metadata": ["plan": "free", "country": "UK"]],
             remoteTime: 200, accepted: [], conflicts: ["name": .local]),
        Case(name: "no base yet: the local source is the truth", policy: .remote, base: nil, local: base,
             remote: ["name": "Other", "email": "x@example.com", "metadata": [:]], accepted: [], conflicts: [:]),
        Case(name: "numbers compare canonically (1.50 == 1.5)", policy: .local, base: ["metadata": ["score": .number("1.5")]],
             local: ["metadata": ["score": .number("1.5")]], remote: ["metadata": ["score": .number("1.50")]], accepted: [], conflicts: [:]),
    ]

    @Test(arguments: cases)
    func scenario(_ c: Case) {
        let outcome = Reconciler(policy: c.policy).reconcile(
            .init(base: c.base, local: c.local, remote: c.remote, localUpdatedAt: c.localTime, remoteUpdatedAt: c.remoteTime))
        #expect(outcome.accepted.map(\.path).sorted() == c.accepted.sorted())
        #expect(Dictionary(uniqueKeysWithValues: outcome.conflicts.map { ($0.path, $0.resolution) }) == c.conflicts)
        #expect(outcome.isHeld == c.conflicts.values.contains(.held))
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
