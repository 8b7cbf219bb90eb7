import Testing
import UserSyncCore

/// One item of a golden source, numbered `line 1`, `line 2`, … in order.
enum GoldenInput: Sendable {
    case row([String: JSONValue])
    case unreadable(RejectionReason)
    /// An already-mapped record (`Planner.consider(_:at:)`).
    case record(UserRecord)
}

/// A golden scenario: a snapshot, a source, and everything the planner must say about them.
struct GoldenCase: Sendable, CustomTestStringConvertible {
    let name: String
    var projectors: [FakeProjector] = [.alpha]
    var deletions: DeletionPolicy = .ignore
    /// What each provider was last confirmed to hold, as "old" records: the planner is given
    /// the digests of their projections.
    var snapshot: [ProviderID: [UserRecord]] = [:]
    let source: [GoldenInput]
    /// Events emitted while the source is read, in order.
    var events: [GoldenEvent] = []
    /// Events emitted by `finish` (in no particular order).
    var removals: Set<GoldenEvent> = []
    let summary: PlanSummary

    var testDescription: String { name }
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

extension GoldenCase {
    static let all: [GoldenCase] = [
        // MARK: Create, unchanged, update
        GoldenCase(
            name: "new users are created",
            source: [row(ada), row(bob)],
            events: [.create(.alpha, "ada"), .create(.alpha, "bob")],
            summary: planSummary(rows: 2, [.alpha: (2, 0, 0)])),
        GoldenCase(
            name: "an unchanged user emits nothing",
            snapshot: [.alpha: [ada, bob]],
            source: [row(ada), row(bob)],
            summary: planSummary(rows: 2, unchanged: 2, [.alpha: (0, 0, 0)])),
        GoldenCase(
            name: "metadata as JSON text in another key order and number form is unchanged",
            snapshot: [.alpha: [ada]],
            source: [row(ada, ["metadata": #"{ "seats": 3.0, "plan": "pro" }"#])],
            summary: planSummary(rows: 1, unchanged: 1, [.alpha: (0, 0, 0)])),
        GoldenCase(
            name: "a changed name is an update",
            snapshot: [.alpha: [ada, bob]],
            source: [row(ada, ["name": "Ada King"]), row(bob)],
            events: [.update(.alpha, "ada")],
            summary: planSummary(rows: 2, unchanged: 1, [.alpha: (0, 1, 0)])),
        GoldenCase(
            name: "a changed email is an update",
            snapshot: [.alpha: [ada]],
            source: [row(ada, ["email": "ada@lovelace.org"])],
            events: [.update(.alpha, "ada")],
            summary: planSummary(rows: 1, [.alpha: (0, 1, 0)])),
        GoldenCase(
            name: "a changed metadata value is an update",
            snapshot: [.alpha: [ada]],
            source: [row(ada, ["metadata": ["plan": "enterprise", "seats": 3]])],
            events: [.update(.alpha, "ada")],
            summary: planSummary(rows: 1, [.alpha: (0, 1, 0)])),
        GoldenCase(
            name: "a metadata key removed is an update",
            snapshot: [.alpha: [ada]],
            source: [row(ada, ["metadata": ["plan": "pro"]])],
            events: [.update(.alpha, "ada")],
            summary: planSummary(rows: 1, [.alpha: (0, 1, 0)])),
        GoldenCase(
            name: "an email removed is an update",
            snapshot: [.alpha: [bob]],
            source: [row(bob, ["email": ""])],
            events: [.update(.alpha, "bob")],
            summary: planSummary(rows: 1, [.alpha: (0, 1, 0)])),

        // MARK: Duplicates
        GoldenCase(
            name: "a duplicate id after the first copy was planned: retract, both copies rejected",
            source: [row(ada), row(bob), row(ada, ["name": "Ada King"])],
            events: [
                .create(.alpha, "ada"), .create(.alpha, "bob"), .retract("ada"),
                .rejected("ada", code: "duplicate_external_id", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(3)),
            ],
            summary: planSummary(rows: 3, rejected: ["duplicate_external_id": 2], [.alpha: (1, 0, 0)])),
        GoldenCase(
            name: "a duplicate id after the first copy was an update takes the update back",
            snapshot: [.alpha: [ada]],
            source: [row(ada, ["name": "Ada King"]), row(ada)],
            events: [
                .update(.alpha, "ada"), .retract("ada"),
                .rejected("ada", code: "duplicate_external_id", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(2)),
            ],
            summary: planSummary(rows: 2, rejected: ["duplicate_external_id": 2], [.alpha: (0, 0, 0)])),
        GoldenCase(
            name: "a duplicate of an unchanged user: no retract, no longer counted unchanged",
            snapshot: [.alpha: [ada, bob]],
            source: [row(ada), row(bob), row(ada, ["name": "Ada King"])],
            events: [
                .rejected("ada", code: "duplicate_external_id", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(3)),
            ],
            summary: planSummary(rows: 3, unchanged: 1, rejected: ["duplicate_external_id": 2], [.alpha: (0, 0, 0)])),
        GoldenCase(
            name: "a triple duplicate: one retract, three rejections",
            source: [row(bob), row(bob), row(cy), row(bob)],
            events: [
                .create(.alpha, "bob"), .retract("bob"),
                .rejected("bob", code: "duplicate_external_id", at: line(1)),
                .rejected("bob", code: "duplicate_external_id", at: line(2)),
                .create(.alpha, "cy"),
                .rejected("bob", code: "duplicate_external_id", at: line(4)),
            ],
            summary: planSummary(rows: 4, rejected: ["duplicate_external_id": 3], [.alpha: (1, 0, 0)])),
        GoldenCase(
            name: "a duplicate with two providers corrects both counts",
            projectors: [.alpha, .beta],
            snapshot: [.beta: [ada]],
            source: [row(ada, ["email": "ada@lovelace.org"]), row(ada)],
            events: [
                .create(.alpha, "ada"), .update(.beta, "ada"), .retract("ada"),
                .rejected("ada", code: "duplicate_external_id", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(2)),
            ],
            summary: planSummary(rows: 2, rejected: ["duplicate_external_id": 2], [.alpha: (0, 0, 0), .beta: (0, 0, 0)])),
        GoldenCase(
            name: "mapped records go through the same duplicate check",
            source: [.record(ada), .record(bob), .record(ada)],
            events: [
                .create(.alpha, "ada"), .create(.alpha, "bob"), .retract("ada"),
                .rejected("ada", code: "duplicate_external_id", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(3)),
            ],
            summary: planSummary(rows: 3, rejected: ["duplicate_external_id": 2], [.alpha: (1, 0, 0)])),

        // MARK: Invalid rows
        GoldenCase(
            name: "an invalid row, then a valid row with the same id: both rejected, nothing planned",
            source: [row(ada, ["email": "not-an-address"]), row(ada)],
            events: [
                .rejected("ada", code: "invalid_email", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(2)),
            ],
            summary: planSummary(rows: 2, rejected: ["invalid_email": 1, "duplicate_external_id": 1], [.alpha: (0, 0, 0)])),
        GoldenCase(
            name: "a valid row, then an invalid row with the same id: retract, both rejected as duplicates",
            source: [row(ada), row(ada, ["metadata": "[1]"])],
            events: [
                .create(.alpha, "ada"), .retract("ada"),
                .rejected("ada", code: "duplicate_external_id", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(2)),
            ],
            summary: planSummary(rows: 2, rejected: ["duplicate_external_id": 2], [.alpha: (0, 0, 0)])),
        GoldenCase(
            name: "unreadable rows and rows without an id are rejected, the rest still sync",
            source: [.unreadable(.invalidUTF8), .unreadable(.unparseable("unterminated string")), row(bob, ["id": " "]), row(ada)],
            events: [
                .rejected(nil, code: "invalid_utf8", at: line(1)),
                .rejected(nil, code: "unparseable", at: line(2)),
                .rejected(nil, code: "missing_external_id", at: line(3)),
                .create(.alpha, "ada"),
            ],
            summary: planSummary(
                rows: 4, rejected: ["invalid_utf8": 1, "unparseable": 1, "missing_external_id": 1], [.alpha: (1, 0, 0)])),

        // MARK: Projection failures
        GoldenCase(
            name: "a projection failure refuses the row for that provider only",
            projectors: [.alpha, .strict],
            source: [row(ada), row(bob)],
            events: [
                .refused(.strict, "ada", code: "field_too_long", at: line(1)), .create(.alpha, "ada"),
                .create(.alpha, "bob"), .create(.strict, "bob"),
            ],
            summary: planSummary(
                rows: 2, [.alpha: (2, 0, 0), .strict: (1, 0, 0)], refused: [.strict: ["field_too_long": 1]])),
        GoldenCase(
            name: "a row every provider refuses is a rejected row",
            projectors: [.strict, .strict2],
            source: [row(ada), row(bob)],
            events: [
                .refused(.strict, "ada", code: "field_too_long", at: line(1)),
                .refused(.strict2, "ada", code: "field_too_long", at: line(1)),
                .create(.strict, "bob"), .create(.strict2, "bob"),
            ],
            summary: planSummary(
                rows: 2, rejected: ["field_too_long": 1], [.strict: (1, 0, 0), .strict2: (1, 0, 0)],
                refused: [.strict: ["field_too_long": 1], .strict2: ["field_too_long": 1]])),
        GoldenCase(
            name: "a projection failure, then a duplicate of it",
            projectors: [.strict],
            source: [row(ada), row(ada, ["name": "Ada"])],
            events: [
                .refused(.strict, "ada", code: "field_too_long", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(2)),
            ],
            summary: planSummary(
                rows: 2, rejected: ["field_too_long": 1, "duplicate_external_id": 1], [.strict: (0, 0, 0)],
                refused: [.strict: ["field_too_long": 1]])),

        // MARK: Removals
        GoldenCase(
            name: "a user gone from the source is reported with `report`",
            deletions: .report,
            snapshot: [.alpha: [ada, bob]],
            source: [row(ada)],
            removals: [.remove(.alpha, "bob")],
            summary: planSummary(rows: 1, unchanged: 1, [.alpha: (0, 0, 1)])),
        GoldenCase(
            name: "a user gone from the source is not reported with `ignore`",
            deletions: .ignore,
            snapshot: [.alpha: [ada, bob]],
            source: [row(ada)],
            summary: planSummary(rows: 1, unchanged: 1, [.alpha: (0, 0, 0)])),
        GoldenCase(
            name: "removals are per provider that held the user",
            projectors: [.alpha, .beta],
            deletions: .report,
            snapshot: [.alpha: [bob], .beta: [bob, cy]],
            source: [],
            removals: [.remove(.alpha, "bob"), .remove(.beta, "bob"), .remove(.beta, "cy")],
            summary: planSummary(rows: 0, [.alpha: (0, 0, 1), .beta: (0, 0, 2)])),
        GoldenCase(
            name: "invalid, unprojectable and duplicated rows are not reported as removed",
            projectors: [.alpha, .strict],
            deletions: .report,
            snapshot: [.alpha: [ada, bob, cy], .strict: [bob, cy]],
            source: [
                row(ada, ["name": "Ada"]),  // fine
                row(ada),                   // duplicate
                row(bob, ["email": "bob@localhost"]),
                row(cy, ["name": "Cyrus the Great"]),  // too long for strict
            ],
            events: [
                .update(.alpha, "ada"), .create(.strict, "ada"), .retract("ada"),
                .rejected("ada", code: "duplicate_external_id", at: line(1)),
                .rejected("ada", code: "duplicate_external_id", at: line(2)),
                .rejected("bob", code: "invalid_email", at: line(3)),
                .refused(.strict, "cy", code: "field_too_long", at: line(4)), .update(.alpha, "cy"),
            ],
            summary: planSummary(
                rows: 4, rejected: ["duplicate_external_id": 2, "invalid_email": 1],
                [.alpha: (0, 1, 0), .strict: (0, 0, 0)], refused: [.strict: ["field_too_long": 1]])),

        // MARK: Two providers
        GoldenCase(
            name: "two providers, a name change reaches only the one that stores names",
            projectors: [.alpha, .beta],
            snapshot: [.alpha: [ada], .beta: [ada]],
            source: [row(ada, ["name": "Ada King"])],
            events: [.update(.alpha, "ada")],
            summary: planSummary(rows: 1, [.alpha: (0, 1, 0), .beta: (0, 0, 0)])),
        GoldenCase(
            name: "two providers, a phone change reaches only the one that stores phones",
            projectors: [.alpha, .beta],
            snapshot: [.alpha: [cy], .beta: [cy]],
            source: [row(cy, ["phone": "556"])],
            events: [.update(.beta, "cy")],
            summary: planSummary(rows: 1, [.alpha: (0, 0, 0), .beta: (0, 1, 0)])),
        GoldenCase(
            name: "two providers, an email change reaches both",
            projectors: [.alpha, .beta],
            snapshot: [.alpha: [ada], .beta: [ada]],
            source: [row(ada, ["email": "ada@lovelace.org"])],
            events: [.update(.alpha, "ada"), .update(.beta, "ada")],
            summary: planSummary(rows: 1, [.alpha: (0, 1, 0), .beta: (0, 1, 0)])),
        GoldenCase(
            name: "two providers, a user known to one is created at the other",
            projectors: [.alpha, .beta],
            snapshot: [.alpha: [ada]],
            source: [row(ada)],
            events: [.create(.beta, "ada")],
            summary: planSummary(rows: 1, [.alpha: (0, 0, 0), .beta: (1, 0, 0)])),
    ]
}
