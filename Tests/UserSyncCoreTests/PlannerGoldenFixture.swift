import UserSyncCore

/// A planner scenario read from its folder:
/// - `case.json`: `{"providers": ["alpha", "beta"], "deletions": "report"}` (defaults
///   `["alpha"]` and `"ignore"`); providers are the fakes of `PlannerFakes.swift`.
/// - `snapshot.jsonl`: what each provider was last confirmed to hold, one
///   `{"provider": "alpha", "user": {record document}}` per line (absent: nothing).
/// - `source.jsonl`: the source, `line 1`, `line 2`, … in order: a row object, or
///   `{"$unreadable": "invalid_utf8"}` / `{"$unreadable": "unparseable", "why": "…"}`, or
///   `{"$record": {record document}}` for an already-mapped record.
/// - `expected.txt`: the transcript (`PlannerTranscript`).
struct PlannerGoldenFixture: Sendable {
    let folder: GoldenFolder
    let projectors: [FakeProjector]
    let deletions: DeletionPolicy
    let snapshot: [ProviderID: [UserRecord]]
    let source: [GoldenInput]

    var scenario: PlannerScenario {
        PlannerScenario(projectors: projectors, deletions: deletions, snapshot: snapshot, source: source)
    }

    init(_ folder: GoldenFolder) throws {
        self.folder = folder
        let setup: JSONValue = folder.has("case.json") ? try folder.json("case.json") : [:]
        let names = (setup["providers"].flatMap(\.arrayValue) ?? ["alpha"]).compactMap(\.stringValue)
        projectors = try names.map { name in
            guard let projector = FakeProjector.named[name] else {
                throw GoldenFixtureError.invalid("unknown provider \"\(name)\" (known: \(FakeProjector.named.keys.sorted()))", case: folder.name)
            }
            return projector
        }
        let policy = setup["deletions"]?.stringValue ?? "ignore"
        guard let deletions = DeletionPolicy(rawValue: policy) else {
            throw GoldenFixtureError.invalid("unknown deletions \"\(policy)\"", case: folder.name)
        }
        self.deletions = deletions
        var snapshot: [ProviderID: [UserRecord]] = [:]
        for entry in try folder.jsonLines("snapshot.jsonl") {
            guard let provider = entry["provider"]?.stringValue, let user = entry["user"].flatMap(UserRecord.init(document:)) else {
                throw GoldenFixtureError.invalid("a snapshot line needs \"provider\" and a \"user\" record", case: folder.name)
            }
            snapshot[ProviderID(rawValue: provider), default: []].append(user)
        }
        self.snapshot = snapshot
        source = try folder.jsonLines("source.jsonl").map { try Self.input($0, folder: folder) }
    }

    private static func input(_ value: JSONValue, folder: GoldenFolder) throws -> GoldenInput {
        if let code = value["$unreadable"]?.stringValue {
            switch code {
            case "invalid_utf8": return .unreadable(.invalidUTF8)
            case "unparseable": return .unreadable(.unparseable(value["why"]?.stringValue ?? ""))
            default: throw GoldenFixtureError.invalid("unknown $unreadable \"\(code)\"", case: folder.name)
            }
        }
        if let document = value["$record"] {
            guard let record = UserRecord(document: document) else {
                throw GoldenFixtureError.invalid("$record is not a record document", case: folder.name)
            }
            return .record(record)
        }
        guard let columns = value.objectValue else {
            throw GoldenFixtureError.invalid("a source line must be an object", case: folder.name)
        }
        return .row(columns)
    }
}

/// What the planner said about a scenario, as the lines of `expected.txt`: the events in the
/// order they were emitted, the removals `finish` reported (sorted: their order is not
/// promised), and the summary.
enum PlannerTranscript {
    static func render(events: [GoldenEvent], removals: [GoldenEvent], summary: PlanSummary) -> String {
        var lines = ["# events, in order"]
        lines += events.map(\.description)
        lines.append("# removals, in any order")
        lines += removals.map(\.description).sorted()
        lines.append("# summary")
        lines.append("rows read \(summary.rowsRead), unchanged \(summary.unchanged)")
        for (code, count) in summary.rejectedByReason.sorted(by: { $0.key < $1.key }) {
            lines.append("rejected \(code) \(count)")
        }
        for (provider, counts) in summary.providers.sorted(by: { $0.key < $1.key }) {
            lines.append("\(provider): created \(counts.created), updated \(counts.updated), removed \(counts.removed)")
            for (code, count) in counts.refusedByReason.sorted(by: { $0.key < $1.key }) {
                lines.append("\(provider): refused \(code) \(count)")
            }
        }
        for group in summary.sharedEmails {
            lines.append("shared e-mail: \(group.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}

extension FakeProjector {
    static let named: [String: FakeProjector] = Dictionary(
        uniqueKeysWithValues: [FakeProjector.alpha, .beta, .strict, .strict2].map { ($0.provider.rawValue, $0) })
}
