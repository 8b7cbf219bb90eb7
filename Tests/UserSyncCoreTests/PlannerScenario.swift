import Testing
import UserSyncCore

/// One item of a golden source, numbered `line 1`, `line 2`, … in order.
enum GoldenInput: Sendable {
    case row([String: JSONValue])
    case unreadable(RejectionReason)
    /// An already-mapped record (`Planner.consider(_:at:)`).
    case record(UserRecord)
}

/// What the planner is given: its providers, the deletion policy, what each provider was last
/// confirmed to hold (as "old" records, whose projections' digests the planner remembers),
/// and the source.
struct PlannerScenario: Sendable {
    var projectors: [FakeProjector] = [.alpha]
    var deletions: DeletionPolicy = .ignore
    var snapshot: [ProviderID: [UserRecord]] = [:]
    var source: [GoldenInput]
}

// MARK: - The people in the scenarios

let ada = UserRecord(
    externalID: "ada", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "pro", "seats": 3])
let bob = UserRecord(externalID: "bob", name: "Bob", email: "bob@example.com")
let cy = UserRecord(externalID: "cy", name: "Cy", email: "cy@example.com", metadata: ["plan": "free"], phone: "555")

/// The source row for a record, optionally with some columns changed.
func row(_ record: UserRecord, _ changes: [String: JSONValue] = [:]) -> GoldenInput {
    var columns: [String: JSONValue] = ["id": .string(record.externalID), "metadata": .object(record.metadata)]
    if let name = record.name { columns["name"] = .string(name) }
    if let email = record.email { columns["email"] = .string(email) }
    if let phone = record.phone { columns["phone"] = .string(phone) }
    return .row(columns.merging(changes) { _, new in new })
}

let goldenMapping = FieldMapping(phone: "phone")
