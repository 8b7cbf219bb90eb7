import UserSyncCore

/// A reconciler scenario read from its folder:
/// - `case.json`: `{"policy": "newest", "local_time": 100, "remote_time": 200}` (times are
///   optional, seconds since 1970);
/// - `base.json` (absent: never confirmed), `local.json`, `remote.json`: the provider-shaped
///   documents, written as they would arrive (numbers keep their literal text);
/// - `expected.txt`: the transcript (`ReconcilerTranscript`).
struct ReconcilerGoldenFixture: Sendable {
    let policy: ConflictPolicy
    let input: Reconciler.Input

    init(_ folder: GoldenFolder) throws {
        let setup = try folder.json("case.json")
        let name = try setup.required("policy", in: folder).stringValue ?? ""
        guard let policy = ConflictPolicy(rawValue: name) else {
            throw GoldenFixtureError.invalid("unknown policy \"\(name)\"", case: folder.name)
        }
        self.policy = policy
        // Not `cond ? … : nil`: JSONValue is nil-literal convertible, so that would be `.null`.
        let base: JSONValue? = folder.has("base.json") ? try folder.json("base.json") : Optional.none
        input = Reconciler.Input(
            base: base,
            local: try folder.json("local.json"), remote: try folder.json("remote.json"),
            localUpdatedAt: setup["local_time"]?.scalarText.flatMap(Double.init),
            remoteUpdatedAt: setup["remote_time"]?.scalarText.flatMap(Double.init))
    }
}

/// What the reconciler decided, as the lines of `expected.txt`, path by path.
enum ReconcilerTranscript {
    static func render(_ outcome: Reconciler.Outcome) -> String {
        var lines = ["# remote edits accepted"]
        for edit in outcome.accepted.sorted(by: { $0.path < $1.path }) {
            lines.append("accept \(edit.path): \(shown(edit.local)) -> \(shown(edit.remote))")
        }
        lines.append("# conflicts")
        for conflict in outcome.conflicts.sorted(by: { $0.path < $1.path }) {
            lines.append("conflict \(conflict.path): base \(shown(conflict.base)), local \(shown(conflict.local)), "
                + "remote \(shown(conflict.remote)) -> \(conflict.resolution.rawValue) (\(conflict.rule))")
        }
        lines.append(outcome.isHeld ? "held for an operator" : "not held")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func shown(_ value: JSONValue?) -> String {
        value.map(\.canonicalText) ?? "(absent)"
    }
}
