import Foundation
import UserSyncConfig
import UserSyncCore
import UserSyncSources
import UserSyncStore

/// One user as usersync sees it (`usersync explain`): the local record (with accepted remote
/// changes laid over it), what each provider was last confirmed or seen to hold, per field,
/// queued changes, conflicts and the rule behind the last decision. Read-only, no network.
public struct UserExplanation: Sendable {
    public let externalID: String
    public let local: UserRecord?
    public struct FieldRow: Sendable {
        public let provider: ProviderID
        public let path: String
        public let local: JSONValue?
        public let providerValue: JSONValue?
        /// The provider keeps this value although the local side cleared it (its API cannot clear it).
        public var keptByProvider = false
    }

    public let rows: [FieldRow]
    public let queued: [OutboxItem]
    public let conflicts: [StoredConflict]
    public let lastRule: String?

    public static func build(externalID: String, options: SyncEngine.Options, store: StateStore) throws -> UserExplanation {
        let source = OverlaySource(
            base: try SourceRegistry.make(options.source), mapping: options.fieldMapping,
            accepted: try store.acceptedChanges().filter { $0.change.externalID == externalID })
        let mapper = RecordMapper(mapping: options.fieldMapping)
        var local: UserRecord?
        try source.read { item in
            if case .row(let row) = item, case .success(let record) = mapper.record(from: row), record.externalID == externalID { local = record }
        }
        var rows: [FieldRow] = []
        for projector in ProviderRegistry.projectors(for: options.providers) {
            let projected = local.flatMap { try? projector.project($0).get() }
            let remote = try store.remoteDocument(provider: projector.provider, externalID: externalID)
            let l = DocumentPaths.flatten(projected)
            let r = DocumentPaths.flatten(remote)
            // Owned paths always get a line: a field cleared on both sides is shown, not hidden.
            let owned = (projector as? any RemoteFieldMapping)?.ownedPaths(mapping: options.fieldMapping) ?? []
            let kept = projected.map { DocumentPaths.flatten(projector.holding(after: $0, confirmed: remote, owns: { _ in true })) } ?? [:]
            for path in Set(l.keys).union(r.keys).union(owned).sorted() {
                var row = FieldRow(provider: projector.provider, path: path, local: l[path], providerValue: r[path])
                row.keptByProvider = local != nil && l[path] == nil && kept[path] != nil
                rows.append(row)
            }
        }
        return UserExplanation(
            externalID: externalID, local: local, rows: rows,
            queued: try store.outboxItems(externalID: externalID),
            conflicts: try store.conflicts(openOnly: false, externalID: externalID),
            lastRule: try store.lastRule(externalID: externalID)?.rule)
    }

    public var text: String {
        var lines = ["user \(externalID)" + (local == nil ? ": not in the source (or its row is rejected)" : "")]
        if let local {
            lines.append("local: name=\(local.name ?? "-") email=\(local.email ?? "-") metadata=\(JSONValue.object(local.metadata).canonicalText)")
        }
        for row in rows {
            let mark = same(row.local, row.providerValue) || row.keptByProvider ? " " : "≠"
            var line = "  \(mark) \(row.provider) \(row.path): local \(Self.show(row.local)) | provider \(Self.show(row.providerValue))"
            if row.keptByProvider { line += " (this provider cannot clear it: the old value stays there and is never taken back)" }
            lines.append(line)
        }
        for item in queued {
            let state = item.state == .heldForIdentity ? "HELD FOR IDENTITY" : item.state.rawValue
            lines.append("queued for \(item.provider): \(state), \(item.attempts) attempts" + (item.lastError.map { ", last: \($0)" } ?? ""))
        }
        for c in conflicts {
            lines.append("conflict #\(c.id) \(c.provider) \(c.field) [\(c.resolution)]: base \(Self.show(c.base)), local \(Self.show(c.local)), remote \(Self.show(c.remote))")
        }
        lines.append("last decision: \(lastRule ?? "none recorded (pushed from the source as planned)")")
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        let fields: [JSONValue] = rows.map { row in
            .object([
                "provider": .string(row.provider.rawValue), "path": .string(row.path),
                "local": row.local ?? .null, "provider_value": row.providerValue ?? .null,
                "kept_by_provider": .bool(row.keptByProvider),
            ])
        }
        let queuedItems: [JSONValue] = queued.map { item in
            .object([
                "provider": .string(item.provider.rawValue), "state": .string(item.state.rawValue), "attempts": JSONValue(item.attempts),
                "reason": item.lastError.map(JSONValue.string) ?? .null,
            ])
        }
        let conflictItems: [JSONValue] = conflicts.map { c in
            .object(["id": JSONValue(Int(c.id)), "provider": .string(c.provider.rawValue), "field": .string(c.field), "resolution": .string(c.resolution)])
        }
        var object: [String: JSONValue] = ["external_id": .string(externalID), "fields": .array(fields)]
        object["local"] = local?.document ?? .null
        object["queued"] = .array(queuedItems)
        object["conflicts"] = .array(conflictItems)
        object["last_rule"] = lastRule.map(JSONValue.string) ?? .null
        return .object(object)
    }

    static func show(_ value: JSONValue?) -> String { value.map { $0.stringValue ?? $0.canonicalText } ?? "(cleared)" }
}

private func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
    a.map(\.canonicalText) == b.map(\.canonicalText)
}
