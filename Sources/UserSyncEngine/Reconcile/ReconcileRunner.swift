import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncProviders
import UserSyncSources
import UserSyncStore

/// Settles remote edits against the local side, user by user and field by field: accepted
/// edits become local changes (written back, and pushed on to the other providers by the
/// next plan), conflicts are decided by the policy, logged and recorded.
struct ReconcileRunner {
    struct Report: Sendable, Equatable {
        var accepted = 0
        var conflicts = 0
        var held = 0
    }

    let runtimes: [ProviderRuntime]
    let store: StateStore
    let config: UserSyncConfiguration
    let logger: Logger

    func run(_ candidates: [RemoteCandidate], source: any UserSource, now: Double = StateStore.now()) throws -> Report {
        var report = Report()
        let wanted = Set(candidates.map(\.externalID))
        var records = try localRecords(wanted, source: source)
        let reconciler = Reconciler(policy: ConflictPolicy(rawValue: config.sync.conflictPolicy.rawValue) ?? .local)
        var accepted: [FieldChange] = []
        for candidate in candidates {
            guard let runtime = runtimes.first(where: { $0.provider == candidate.provider }),
                let mapping = runtime.adapter.projector as? any RemoteFieldMapping,
                let record = records[candidate.externalID],
                case .success(let local) = runtime.adapter.projector.project(record)
            else { continue }
            let provider = candidate.provider
            let base = try store.remoteDocument(provider: provider, externalID: candidate.externalID)
            let outcome = reconciler.reconcile(
                .init(base: base, local: local, remote: candidate.document, localUpdatedAt: nil, remoteUpdatedAt: candidate.updatedAt),
                owns: { mapping.owns($0, mapping: config.fieldMapping) })
            let edits = mapping.canonicalEdits(outcome.accepted, remote: candidate.document, record: record)
            var updated = record
            for edit in edits {
                accepted.append(FieldChange(externalID: candidate.externalID, field: edit.field, oldValue: edit.old, newValue: edit.new, provider: provider, time: now))
                updated = updated.setting(edit.field, to: edit.new)
                logger.info("remote change accepted", metadata: [
                    "provider": "\(provider)", "external_id": "\(candidate.externalID)", "field": "\(edit.field)",
                ])
            }
            records[candidate.externalID] = updated
            for conflict in outcome.conflicts {
                let asIfTaken = mapping.canonicalEdits(
                    [Reconciler.AcceptedEdit(path: conflict.path, local: conflict.local, remote: conflict.remote)],
                    remote: candidate.document, record: record)
                let field = asIfTaken.map(\.field).joined(separator: ",")
                try store.recordConflict(
                    provider: provider, externalID: candidate.externalID, field: field.isEmpty ? conflict.path : field, path: conflict.path,
                    base: conflict.base, local: conflict.local, remote: conflict.remote, rule: conflict.rule,
                    resolution: conflict.resolution.rawValue, remoteEdits: asIfTaken, now: now)
                logger.warning("conflict: field changed on both sides", metadata: [
                    "provider": "\(provider)", "external_id": "\(candidate.externalID)", "field": "\(field.isEmpty ? conflict.path : field)",
                    "resolution": "\(conflict.resolution.rawValue)", "rule": "\(conflict.rule)",
                ])
                report.conflicts += 1
                if conflict.resolution == .held { report.held += 1 }
            }
            report.accepted += edits.count
            // The provider's document is the new merge base: its own edits (and our echoes)
            // are now known and will not be seen as changes again.
            try store.recordRemote(provider: provider, externalID: candidate.externalID, providerUserID: candidate.providerUserID, document: candidate.document, now: now)
            let rule = outcome.conflicts.first?.rule ?? (edits.isEmpty ? "no remote change to take" : "remote-only change: pulled back")
            try store.setLastRule(externalID: candidate.externalID, document: updated.document, rule: "\(provider): \(rule)", now: now)
        }
        try store.recordAccepted(accepted)
        return report
    }

    /// The local records of the given users (one pass over the source, accepted changes applied).
    private func localRecords(_ ids: Set<String>, source: any UserSource) throws -> [String: UserRecord] {
        let mapper = RecordMapper(mapping: config.fieldMapping)
        var records: [String: UserRecord] = [:]
        try source.read { item in
            guard case .row(let row) = item, case .success(let record) = mapper.record(from: row), ids.contains(record.externalID) else { return }
            records[record.externalID] = record
        }
        return records
    }
}
