import Foundation
import UserSyncCore

extension CycleReport {
    /// The human summary printed by `sync --once`.
    public var text: String {
        var lines: [String] = []
        let s = plan.summary
        if dryRun { lines.append("Dry run: nothing was written and nothing was sent.") }
        if sourceSettlesAt != nil {
            lines.append("Source file still being written (source.settle_time): not read this cycle.")
        } else if plan.skippedUnchanged {
            lines.append("Source unchanged since the last cycle: not read.")
        } else {
            lines.append("Read \(s.rowsRead) rows in \(String(format: "%.2f", plan.durationSeconds)) s: \(s.unchanged) unchanged, \(s.changes) changes, \(s.rejected) rejected.")
        }
        for provider in s.providers.keys.sorted() {
            let counts = s.providers[provider]!
            var line = "  \(provider): \(counts.created) new, \(counts.updated) changed"
            if counts.removed > 0 { line += ", \(counts.removed) removed from the source (not deleted)" }
            if counts.refused > 0 {
                line += ", \(counts.refused) refused by this provider only ("
                    + counts.refusedByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            }
            if let fields = plan.changedFields[provider], !fields.isEmpty {
                line += " (" + fields.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            }
            lines.append(line)
        }
        for (provider, verdict) in plan.held.sorted(by: { $0.key < $1.key }) where dryRun {
            lines.append("Would be held by sync.guard at \(provider): \(MassChangeVerdict.percent(verdict.share)) of synced users \(verdict.verb), "
                + "over sync.guard.\(verdict.limit.rawValue) \(MassChangeLimits.percent(verdict.limitShare)); \(verdict.fieldsText).")
        }
        for hold in guardHolds {
            let what = hold.direction == .push ? "\(hold.held) changes not sent" : "\(hold.held) pulled users not written back"
            lines.append("HELD: mass change at \(hold.provider) (\(what)): \(MassChangeVerdict.percent(hold.verdict.share)) of synced users "
                + "\(hold.verdict.verb), over sync.guard.\(hold.verdict.limit.rawValue) \(MassChangeLimits.percent(hold.verdict.limitShare)); "
                + "\(hold.verdict.fieldsText). Check the source, then `usersync approve --provider \(hold.provider)`, or fix the source.")
        }
        let refusedSamples = plan.rejectionSamples.values.joined().filter { $0.provider != nil }
        if !refusedSamples.isEmpty {
            lines.append("Refused by one provider (synced to the others):")
            for r in refusedSamples.prefix(10) {
                lines.append("    \(r.provider!): \(r.location)" + (r.externalID.map { " [\($0)]" } ?? "") + ": \(r.reason.message)")
            }
        }
        if !s.sharedEmails.isEmpty {
            lines.append("Users sharing an e-mail address (held at providers that identify users by e-mail): \(s.sharedEmails.count) groups")
            for group in s.sharedEmails.prefix(10) { lines.append("    " + group.joined(separator: ", ")) }
        }
        if s.rejected > 0 {
            lines.append("Rejected rows:")
            for (code, count) in s.rejectedByReason.sorted(by: { $0.key < $1.key }) {
                let examples = (plan.rejectionSamples[code] ?? []).filter { $0.provider == nil }.map { r in
                    "\(r.location)" + (r.externalID.map { " [\($0)]" } ?? "") + ": \(r.reason.message)"
                }
                lines.append("  \(code): \(count)")
                for example in examples { lines.append("    \(example)") }
            }
        }
        if remoteChanges > 0 || conflicts > 0 {
            lines.append("Pulled back \(remoteChanges) remote field changes; \(conflicts) conflicts.")
        }
        if !dryRun {
            for provider in dispatch.keys.sorted() {
                let d = dispatch[provider]!
                let q = queues[provider] ?? ProviderState()
                var line = "  \(provider): \(d.pushed) pushed, \(d.retrying) retrying, \(d.deadLettered) dead-lettered; queue \(q.queued) (\(q.parked) awaiting creation), dead letters \(q.deadLetters)"
                if q.held > 0 { line += ", \(q.held) held (conflict)" }
                if q.heldForIdentity > 0 { line += ", \(q.heldForIdentity) held for identity" }
                if let reason = d.pausedReason { line += "; PAUSED: \(reason)" }
                lines.append(line)
            }
            if openConflicts > 0 {
                lines.append("\(openConflicts) conflict(s) held for an operator: see `usersync conflicts list`, settle with `usersync conflicts resolve`.")
            }
        }
        return lines.joined(separator: "\n")
    }
}
