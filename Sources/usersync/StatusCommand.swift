import ArgumentParser
import Foundation
import UserSyncConfig
import UserSyncCore
import UserSyncDaemon
import UserSyncEngine
import UserSyncStore

/// `usersync status`: what the service is doing, read from the state without disturbing it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show recent cycles, queues, dead letters, parked users and paused providers.")

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "How many recent cycles to show.") var cycles = 5

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        let pid = InstanceLock.holderPID(statePath: config.state.path)
        guard let store = try StateStore.openReadOnly(path: config.state.path) else {
            if json {
                print(JSONValue.object(["running": .bool(pid != nil), "state": .string("none")]).canonicalText)
            } else {
                print("No state yet at \(config.state.path): usersync has not run.")
            }
            return
        }
        let providers = ProviderRegistry.projectors(for: config.providers).map(\.provider)
        let pauses = try store.providerPauses()
        let circuits = try store.circuits()
        let holds = try store.guardHolds()
        var providerDocs: [String: JSONValue] = [:]
        var lines: [String] = []
        lines.append(pid.map { "service: running (pid \($0))" } ?? "service: not running")
        lines.append("state: \(config.state.path)")
        for provider in providers {
            let stats = try store.queueStats(provider: provider)
            let standings = try store.syncStandings(provider: provider)
            var doc: [String: JSONValue] = [
                "in_sync": JSONValue(standings.inSync), "queued": JSONValue(stats.pending), "retrying": JSONValue(stats.retrying),
                "parked": JSONValue(stats.parked), "held_for_identity": JSONValue(stats.heldForIdentity),
                "in_conflict": JSONValue(standings.inConflict), "held_by_conflict": JSONValue(stats.held),
                "dead_letters": JSONValue(stats.deadLetters), "left_source": JSONValue(standings.leftSource),
                "fields_differ": JSONValue(standings.differing), "rejected_in_source": JSONValue(standings.rejected), "outbox": JSONValue(stats.queued),
                "mapped_users": JSONValue(standings.mappedUsers), "confirmed_users": JSONValue(standings.confirmedUsers),
            ]
            // One line per state: a user counts as in sync only when none of the others holds it.
            var block = ["\(provider):", "  in sync: \(standings.inSync)"]
            var queued = "  queued: \(stats.pending)"
            if let oldest = stats.oldestEnqueuedAt {
                doc["oldest_queued_at"] = .string(Self.time(oldest))
                queued += " (oldest change queued \(Self.time(oldest)))"
            }
            block.append(queued)
            block.append("  retrying: \(stats.retrying)")
            var parked = "  parked (awaiting creation): \(stats.parked)"
            if let next = stats.nextRecheckAt {
                doc["next_recheck_at"] = .string(Self.time(next))
                parked += ", next re-check \(Self.time(next))"
            }
            block.append(parked)
            block.append("  held for identity: \(stats.heldForIdentity)")
            block.append("  in conflict: \(standings.inConflict)")
            block.append("  dead letters: \(stats.deadLetters)")
            block.append("  left the source: \(standings.leftSource)")
            if standings.differing > 0 { block.append("  fields differ (pull only, not pushed): \(standings.differing)") }
            if standings.rejected > 0 { block.append("  source row rejected: \(standings.rejected)") }
            if let pause = pauses[provider] {
                doc["paused"] = .object(["reason": .string(pause.reason), "since": .string(Self.time(pause.since)), "next_probe_at": .string(Self.time(pause.nextProbeAt))])
                block.append("  PAUSED since \(Self.time(pause.since)): \(pause.reason); next probe \(Self.time(pause.nextProbeAt))")
            }
            if let circuit = circuits[provider] {
                doc["circuit"] = .object([
                    "state": "open", "since": .string(Self.time(circuit.since)), "next_probe_at": .string(Self.time(circuit.nextProbeAt)),
                    "failed_probes": JSONValue(circuit.failedProbes),
                ])
                block.append("  CIRCUIT OPEN since \(Self.time(circuit.since)) (the provider is failing): next probe \(Self.time(circuit.nextProbeAt)), \(circuit.failedProbes) probes failed")
            } else {
                doc["circuit"] = .object(["state": "closed"])
            }
            let providerHolds = holds.filter { $0.provider == provider }
            if !providerHolds.isEmpty {
                doc["held"] = .string("held: mass change")
                doc["mass_change"] = .array(providerHolds.map(\.json))
            }
            for hold in providerHolds {
                let what = hold.direction == .push ? "\(hold.held) planned changes not sent" : "\(hold.held) pulled users not written back"
                block.append("  HELD: MASS CHANGE since \(Self.time(hold.heldAt)) (\(hold.direction.rawValue): \(what)): "
                    + "\(MassChangeVerdict.percent(hold.verdict.share)) of \(hold.verdict.syncedUsers) synced users \(hold.verdict.verb), "
                    + "over sync.guard.\(hold.verdict.limit.rawValue) \(MassChangeLimits.percent(hold.verdict.limitShare)); \(hold.verdict.fieldsText)"
                    + (hold.approvedAt != nil ? "; approved, taken at the next cycle" : "; release with `usersync approve --provider \(provider)`"))
            }
            providerDocs[provider.rawValue] = .object(doc)
            lines.append(block.joined(separator: "\n"))
        }
        let conflicts = try store.openConflictCount()
        lines.append("open conflicts: \(conflicts)")
        let runs = try store.recentRuns(limit: cycles)
        lines.append("recent cycles:")
        if runs.isEmpty { lines.append("  (none yet)") }
        for run in runs {
            lines.append("  " + Self.describe(run))
        }
        // Idle cycles push the last real read out of the list: it is shown on its own line.
        let lastRead = try store.lastSourceRead()
        if let lastRead, !runs.contains(where: { $0.id == lastRead.id }) {
            lines.append("last read of the source: " + Self.describe(lastRead))
        }
        if json {
            let doc: JSONValue = .object([
                "running": .bool(pid != nil), "pid": pid.map { JSONValue(Int($0)) } ?? .null,
                "state": .string(config.state.path), "providers": .object(providerDocs),
                "open_conflicts": JSONValue(conflicts),
                "held_mass_change": .array(holds.map(\.json)),
                "recent_cycles": .array(runs.map(Self.json)),
                "last_source_read": lastRead.map(Self.json) ?? .null,
            ])
            print(doc.canonicalText)
        } else {
            print(lines.joined(separator: "\n"))
        }
    }

    /// One cycle in a line: when, how long, what the source read found, what was sent.
    static func describe(_ run: RunRecord) -> String {
        let s = run.summary
        let count = { (key: String) in s[key]?.scalarText ?? "0" }
        let planned = s["source_being_written"] == .bool(true) ? "source still being written (not read)"
            : s["source_unchanged"] == .bool(true) ? "source unchanged"
            : "\(count("rows")) rows, \(sum(s["changes"])) changes, \(count("rejected")) rejected"
        return "\(time(run.startedAt)) (\(String(format: "%.1f", run.finishedAt - run.startedAt)) s): \(planned); "
            + "\(count("pushed")) pushed, \(count("failed")) failed"
    }

    static func json(_ run: RunRecord) -> JSONValue {
        .object(["started_at": .string(time(run.startedAt)), "finished_at": .string(time(run.finishedAt)), "summary": run.summary])
    }

    static func sum(_ value: JSONValue?) -> Int {
        (value?.objectValue ?? [:]).values.reduce(0) { $0 + (Int($1.scalarText ?? "") ?? 0) }
    }

    static func time(_ seconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds))
    }
}
