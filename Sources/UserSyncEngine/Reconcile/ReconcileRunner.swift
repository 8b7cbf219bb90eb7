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
        /// Pull only: users whose provider values became the merge base.
        var adopted = 0
    }

    let runtimes: [ProviderRuntime]
    let store: StateStore
    let options: SyncEngine.Options
    let logger: Logger

    func run(_ candidates: [RemoteCandidate], source: any UserSource, now: Double = StateStore.now()) throws -> Report {
        var report = Report()
        let wanted = Set(candidates.map(\.externalID))
        let sourceSide = try localRecords(wanted, source: source)
        var records = sourceSide.records
        let reconciler = Reconciler(policy: options.conflictPolicy)
        for candidate in candidates {
            guard let runtime = runtimes.first(where: { $0.provider == candidate.provider }),
                let mapping = runtime.adapter.projector as? any RemoteFieldMapping,
                let record = records[candidate.externalID],
                case .success(let local) = runtime.adapter.projector.project(record)
            else { continue }
            let provider = candidate.provider
            let base = try store.remoteDocument(provider: provider, externalID: candidate.externalID)
            if base == nil {
                // Pull only, first contact: the provider's values become the merge base, so its
                // later edits flow back (differences now are not edits: nothing is taken).
                try store.recordRemote(provider: provider, externalID: candidate.externalID, providerUserID: candidate.providerUserID, document: candidate.document, now: now)
                try store.setLastRule(
                    externalID: candidate.externalID, document: record.document,
                    rule: "\(provider): pull only, first contact: the provider's values adopted as the merge base", now: now)
                logger.info("provider values adopted as the merge base", metadata: ["provider": "\(provider)", "external_id": "\(candidate.externalID)"])
                report.adopted += 1
                continue
            }
            // Fields the provider splits (CommBox's FirstName/LastName of one local name) are
            // compared whole, as the one field they are on the local side.
            let shape = { (document: JSONValue) in (mapping as? any ReconcileShaping)?.shapedForReconcile(document, record: record) ?? document }
            let remote = shape(candidate.document)
            let outcome = reconciler.reconcile(
                .init(
                    base: base.map(shape), local: shape(local), remote: remote,
                    localUpdatedAt: sourceSide.editTimes[candidate.externalID], remoteUpdatedAt: candidate.updatedAt),
                owns: { mapping.owns($0, mapping: options.fieldMapping) })
            let edits = mapping.canonicalEdits(outcome.accepted, remote: remote, record: record)
            var updated = record
            var accepted: [FieldChange] = []
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
                    remote: remote, record: record)
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
            // The accepted changes are stored before the new merge base: a crash in between
            // then finds the same remote document again, now equal to the local side (no
            // duplicate); the other order would lose the edit and push the old value over it.
            try store.recordAccepted(accepted)
            // The provider's document is the new merge base: its own edits (and our echoes)
            // are now known and will not be seen as changes again. When pushing the local
            // side would leave the provider as it is (a value its API cannot clear included),
            // the planner is told so: nothing to send.
            var settled: DocumentDigest?
            if case .success(let desired) = runtime.adapter.projector.project(updated),
                runtime.adapter.projector.holding(after: desired, confirmed: candidate.document, owns: runtime.owns).canonicalText
                    == candidate.document.canonicalText {
                settled = desired.digest
            }
            try store.recordRemote(
                provider: provider, externalID: candidate.externalID, providerUserID: candidate.providerUserID, document: candidate.document,
                digest: settled, now: now)
            let rule = outcome.conflicts.first?.rule ?? (edits.isEmpty ? "no remote change to take" : "remote-only change: pulled back")
            try store.setLastRule(externalID: candidate.externalID, document: updated.document, rule: "\(provider): \(rule)", now: now)
        }
        return report
    }

    /// The local records of the given users (one pass over the source, accepted changes
    /// applied), and when each row was last edited where `source.fields.updated_at` says so.
    private func localRecords(_ ids: Set<String>, source: any UserSource) throws -> (records: [String: UserRecord], editTimes: [String: Double]) {
        let mapper = RecordMapper(mapping: options.fieldMapping)
        let timeColumn = options.fieldMapping.updatedAt
        var records: [String: UserRecord] = [:]
        var times: [String: Double] = [:]
        try source.read { item in
            guard case .row(let row) = item, case .success(let record) = mapper.record(from: row), ids.contains(record.externalID) else { return }
            records[record.externalID] = record
            if let timeColumn { times[record.externalID] = EditTime.seconds(row.columns[timeColumn]) }
        }
        return (records, times)
    }
}
