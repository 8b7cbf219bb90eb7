import Foundation
import UserSyncCore
import UserSyncEngine
import UserSyncLogging

/// The file `usersync plan --out` writes and `usersync apply` reads: JSON Lines, the summary
/// first (counts, what the plan was computed against, the guard's verdict), then one line per
/// change with each field's old and new value. E-mail addresses are redacted unless the
/// operator asks for them: the file is for review, `apply` never needs the values (it plans
/// again and checks it gets the same changes).
enum PlanFile {
    static let format = 1

    /// The summary line, keys in reading order.
    static func header(report: PlanReport, stamp: PlanStamp, held: [ProviderID: MassChangeVerdict], source: String, showPII: Bool) -> String {
        var counts: [String: JSONValue] = [:]
        for provider in stamp.providers {
            let c = report.summary.providers[provider] ?? PlanSummary.ProviderCounts()
            var entry: [String: JSONValue] = ["create": JSONValue(c.created), "update": JSONValue(c.updated)]
            if let tally = report.massChange[provider] {
                entry["users_losing_a_field"] = JSONValue(tally.clearedUsers)
                entry["fields_changed"] = .object(tally.changedByField.mapValues { JSONValue($0) })
                entry["fields_cleared"] = .object(tally.clearedByField.mapValues { JSONValue($0) })
            }
            if let verdict = held[provider] {
                entry["guard"] = .string(
                    "over sync.guard.\(verdict.limit.rawValue) \(MassChangeLimits.percent(verdict.limitShare)): \(MassChangeVerdict.percent(verdict.share)) of \(verdict.syncedUsers) synced users \(verdict.verb) (\(verdict.fieldsText)); apply needs --approve-mass-change")
            }
            counts[provider.rawValue] = .object(entry)
        }
        let pairs: [(String, JSONValue)] = [
            ("usersync_plan", JSONValue(format)),
            ("created_at", .string(ISO8601DateFormatter().string(from: Date()))),
            ("changes", JSONValue(report.summary.changes)),
            ("providers", .object(counts)),
            ("rows", JSONValue(report.summary.rowsRead)), ("unchanged", JSONValue(report.summary.unchanged)),
            ("rejected", JSONValue(report.summary.rejected)),
            ("source", .string(source)),
            ("source_fingerprint", .string(stamp.sourceFingerprint)),
            ("state_version", .string(stamp.stateVersion)),
            ("plan_digest", .string(stamp.planDigest)),
            ("emails", .string(showPII ? "shown" : "redacted")),
        ]
        return ordered(pairs)
    }

    /// One change: provider, user, kind, and per field `{"old": …, "new": …}`.
    static func line(_ change: PlannedChange, previous: JSONValue?, scrubber: Scrubber) -> String {
        var fields: [(String, JSONValue)] = []
        for field in DocumentDiff.changedFields(from: previous, to: change.document) {
            fields.append((field, .object(["old": value(field, in: previous) ?? .null, "new": value(field, in: change.document) ?? .null])))
        }
        let text = ordered([
            ("provider", .string(change.provider.rawValue)), ("external_id", .string(change.externalID)),
            ("kind", .string(change.kind.rawValue)), ("fields", .object(Dictionary(fields, uniquingKeysWith: { a, _ in a }))),
        ])
        return scrubber.scrub(text)
    }

    /// The stamp `apply` checks, from the file's first line.
    static func stamp(from header: JSONValue) -> PlanStamp? {
        guard let o = header.objectValue, o["usersync_plan"]?.scalarText == String(format),
            let fingerprint = o["source_fingerprint"]?.stringValue, let state = o["state_version"]?.stringValue,
            let digest = o["plan_digest"]?.stringValue, let providers = o["providers"]?.objectValue
        else { return nil }
        return PlanStamp(sourceFingerprint: fingerprint, stateVersion: state, planDigest: digest, providers: providers.keys.sorted().map { ProviderID(rawValue: $0) })
    }

    static func value(_ field: String, in document: JSONValue?) -> JSONValue? {
        var value = document
        for part in field.split(separator: ".", maxSplits: 1) { value = value?.objectValue?[String(part)] }
        return value
    }

    private static func ordered(_ pairs: [(String, JSONValue)]) -> String {
        "{" + pairs.map { JSONValue.string($0.0).canonicalText + ":" + $0.1.canonicalText }.joined(separator: ",") + "}"
    }
}
