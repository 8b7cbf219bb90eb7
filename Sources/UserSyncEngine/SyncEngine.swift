import AsyncHTTPClient
import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncSources
import UserSyncStore

/// One configured sync: the source, the state database and one dispatcher per enabled
/// provider. `runCycle` is one whole cycle; the daemon calls it on a timer.
public final class SyncEngine: Sendable {
    public let options: Options
    public let store: StateStore
    public let dispatchers: [Dispatcher]
    let source: any UserSource
    let projectors: [any ProviderProjector]
    let runtimes: [ProviderRuntime]
    let logger: Logger

    /// - Parameters:
    ///   - store: an already open state (a reload keeps it); opened from `options.statePath` if nil.
    ///   - resumePaused: forget pauses recorded in the state (an operator reloaded or ran a
    ///     sync by hand); otherwise a paused provider waits for its next probe time.
    public init(options: Options, client: HTTPClient, logger: Logger, store: StateStore? = nil, resumePaused: Bool = true) throws {
        self.options = options
        self.logger = logger
        self.source = try SourceRegistry.make(options.source)
        let store = try store ?? StateStore.open(path: options.statePath)
        self.store = store
        let runtimes = ProviderRegistry.runtimes(for: options, client: client, logger: logger)
        self.projectors = runtimes.map(\.adapter.projector)
        self.runtimes = runtimes
        var pauses = try store.providerPauses()
        if resumePaused {
            for provider in pauses.keys { try store.setProviderPause(provider: provider, nil) }
            pauses = [:]
        }
        // An open circuit outlives the process: the next one probes instead of sending all.
        // An operator's reload closes it with the pauses (a fixed base_url, a new network).
        if resumePaused {
            for provider in try store.circuits().keys { try store.setCircuit(provider: provider, nil) }
        }
        let circuits = try store.circuits()
        self.dispatchers = runtimes.map {
            Dispatcher(
                runtime: $0, store: store, policy: options.retryPolicy, logger: logger, pause: pauses[$0.provider],
                circuit: DeliveryStateMachine.Circuit(circuits[$0.provider]), openAfter: options.openAfter)
        }
    }

    /// An engine for a loaded config file (translated once into `Options`).
    public convenience init(config: UserSyncConfiguration, client: HTTPClient, logger: Logger, store: StateStore? = nil, resumePaused: Bool = true) throws {
        try self.init(options: Options(config), client: client, logger: logger, store: store, resumePaused: resumePaused)
    }

    /// The HTTP client settings for a configuration: no redirects (a provider that redirects
    /// is misconfigured, and credentials must not follow), and enough connections per host
    /// for every request a provider may have in flight (AsyncHTTPClient's default is 8).
    public static func httpClientConfiguration(for options: Options) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let concurrency = options.providers.enabled.map(\.settings.concurrency).max() ?? 0
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, concurrency))
        return configuration
    }

    /// Reads, validates and plans without writing or sending anything. The state database,
    /// if there is one, is opened read-only.
    public static func dryRun(options: Options, logger: Logger) throws -> CycleReport {
        let started = Date()
        let source = try SourceRegistry.make(options.source)
        let snapshot = try StateStore.openReadOnly(path: options.statePath)
        let runner = PlanRunner(
            source: source, projectors: ProviderRegistry.projectors(for: options.providers), mapping: options.fieldMapping,
            deletions: options.deletionPolicy, logger: logger)
        var plan = try runner.run(snapshot: snapshot) { _, _ in }
        // What a real cycle's guard would hold (nothing is held by a dry run).
        plan.held = try heldByGuard(plan, limits: options.massChange, store: snapshot)
        var report = CycleReport(dryRun: true, plan: plan, startedAt: started)
        report.durationSeconds = Date().timeIntervalSince(started)
        return report
    }

    /// One cycle: plan the source into the outbox (skipped when the source is unchanged
    /// since the last plan), then deliver what is due to every provider, concurrently:
    /// one provider failing never holds up another.
    public func runCycle(
        forcePlan: Bool = false, push: Bool = true, stop: StopSignal = .never, progress: @escaping @Sendable () -> Void = {}
    ) async throws -> CycleReport {
        try await RunContext.$runID.withValue(RunContext.newID()) {
            let report = try await cycle(forcePlan: forcePlan, push: push, stop: stop, progress: progress)
            logSummary(report)
            EngineMetrics.cycle(report)
            return report
        }
    }

    private func cycle(forcePlan: Bool, push: Bool, stop: StopSignal, progress: @escaping @Sendable () -> Void) async throws -> CycleReport {
        let started = Date()
        var reconciled = ReconcileRunner.Report()
        // A source file still being written is left alone this cycle: reconciling against it
        // or planning from it could act on a row cut in half.
        var settlesAt = sourceSettlesAt()
        var approvedPull = false
        if options.direction.pulls && !stop.isSet && settlesAt == nil {
            settlesAt = try await settling {
                if !options.direction.pushes {
                    // Pull only: nothing pushes, so the ids (and the merge base) come from here.
                    try await PullBaseline(
                        runtimes: runtimes, dispatchers: dispatchers, projectors: projectors, store: store, options: options, logger: logger
                    ).run(source: try overlaySource(), projectionKey: projectionKey, stop: stop, progress: progress)
                }
                let pull = try await PullRunner(runtimes: runtimes, dispatchers: dispatchers, store: store, options: options, logger: logger).pullDue()
                let guarded = try guardPulled(pull.candidates, pulled: pull.pulled)
                approvedPull = guarded.approvedTaken
                let candidates = guarded.candidates
                if !candidates.isEmpty {
                    reconciled = try ReconcileRunner(runtimes: runtimes, store: store, options: options, logger: logger)
                        .run(candidates, source: try overlaySource())
                    // What the providers hold changed: the pull-only tally (fields differ) is redone.
                    if !options.direction.pushes { try store.setMeta(PullBaseline.reconciledKey, "\(Date().timeIntervalSince1970)") }
                }
                try writeBackAccepted()
                // Without a plan (pull only), nothing else notices the source catching up.
                if !options.direction.pushes { try dropCaughtUpAccepted() }
            }
        }
        var plan = PlanReport(skippedUnchanged: true)
        var planFailure: SourceError?
        if options.direction.pushes {
            do {
                plan = settlesAt == nil ? try planIntoOutbox(force: forcePlan, guarded: !approvedPull) : PlanReport(sourceSettlesAt: settlesAt)
            } catch let error as SourceError {
                // The source went away mid-read (a database restarting): what is already
                // queued is still delivered, then the cycle reports the failure.
                planFailure = error
            }
            settlesAt = plan.sourceSettlesAt
        }
        var report = CycleReport(dryRun: false, plan: plan, startedAt: started)
        report.remoteChanges = reconciled.accepted
        report.conflicts = reconciled.conflicts
        report.sourceSettlesAt = settlesAt
        if let settlesAt { logStillBeingWritten(settlesAt: settlesAt) }
        if push && options.direction.pushes {
            if !options.direction.pulls && !stop.isSet {
                // Push only overwrites provider edits by design; say so where it is cheap to know.
                try await OverwriteWatch(runtimes: runtimes, dispatchers: dispatchers, store: store, options: options, logger: logger).run()
            }
            report.dispatch = try await dispatchDue(stop: stop, progress: progress)
        }
        for dispatcher in dispatchers {
            let provider = dispatcher.provider
            // One read; counts, not rows (there may be far more than a page of dead letters).
            let stats = try store.queueStats(provider: provider)
            report.queues[provider] = CycleReport.ProviderState(
                queued: stats.queued, parked: stats.parked, deadLetters: stats.deadLetters, held: stats.held,
                heldForIdentity: stats.heldForIdentity, nextRecheckAt: stats.nextRecheckAt)
        }
        report.openConflicts = try store.openConflictCount()
        report.guardHolds = try store.guardHolds()
        report.durationSeconds = Date().timeIntervalSince(started)
        if let planFailure { throw planFailure }
        try store.recordRun(
            startedAt: started.timeIntervalSince1970, finishedAt: Date().timeIntervalSince1970, mode: "sync", summary: report.json)
        return report
    }

    /// Delivers what is due to every provider, concurrently: one provider failing never
    /// holds up another.
    public func dispatchDue(stop: StopSignal = .never, progress: @escaping @Sendable () -> Void = {}) async throws -> [ProviderID: DispatchReport] {
        try await withThrowingTaskGroup(of: DispatchReport.self) { group in
            for dispatcher in dispatchers {
                group.addTask { try await dispatcher.dispatchDue(stop: stop, progress: progress) }
            }
            var reports: [ProviderID: DispatchReport] = [:]
            for try await r in group { reports[r.provider] = r }
            return reports
        }
    }

    /// The earliest time any provider has a retry, a parked re-check or a probe due.
    public func nextDeliveryTime() async throws -> Double? {
        var earliest: Double?
        for dispatcher in dispatchers {
            if let t = try await dispatcher.nextWakeTime() { earliest = min(earliest ?? t, t) }
        }
        return earliest
    }

    /// One info line per cycle: what an operator scans first.
    func logSummary(_ report: CycleReport) {
        var meta: Logger.Metadata = [
            "duration_ms": "\(Int(report.durationSeconds * 1000))",
            "pushed": "\(report.pushed)", "failed": "\(report.failed)", "queue": "\(report.queued)",
        ]
        if report.sourceSettlesAt != nil {
            meta["source"] = "still_being_written"
        } else if report.plan.skippedUnchanged {
            meta["source"] = "unchanged"
        } else {
            let s = report.plan.summary
            meta["rows"] = "\(s.rowsRead)"
            meta["unchanged"] = "\(s.unchanged)"
            meta["changes"] = "\(s.changes)"
            meta["rejected"] = "\(s.rejected)"
            meta["plan_ms"] = "\(Int(report.plan.durationSeconds * 1000))"
            for (provider, counts) in s.providers where counts.refused > 0 { meta["refused_\(provider)"] = "\(counts.refused)" }
            if !s.sharedEmails.isEmpty { meta["shared_email_groups"] = "\(s.sharedEmails.count)" }
            if report.plan.incremental { meta["read"] = "incremental" }
        }
        if report.remoteChanges > 0 || report.conflicts > 0 {
            meta["remote_changes"] = "\(report.remoteChanges)"
            meta["conflicts"] = "\(report.conflicts)"
        }
        for (provider, state) in report.queues where state.heldForIdentity > 0 {
            meta["held_identity_\(provider)"] = "\(state.heldForIdentity)"
        }
        for hold in report.guardHolds {
            meta["held_mass_change_\(hold.provider)"] = "\(hold.direction.rawValue)"
        }
        for (provider, dispatch) in report.dispatch where dispatch.pausedReason != nil {
            meta["paused_\(provider)"] = "\(dispatch.pausedReason!)"
        }
        logger.info("cycle finished", metadata: meta)
    }

    /// - Parameter guarded: false when this cycle took an approved pull: what it brings goes on
    ///   to the other providers without a second approval.
    func planIntoOutbox(force: Bool, guarded: Bool = true) throws -> PlanReport {
        if let tracked = source as? any ChangeTrackingSource, let tracking = tracked.changeTracking {
            return try planChanges(tracked, tracking, force: force, guarded: guarded)
        }
        let overlay = try overlaySource()
        // Accepted remote changes alter what the source means without altering its bytes.
        let key = try source.fingerprint().storageText + projectionKey + "|accepted=\(overlay.revision)"
        if !force, try store.sourceFingerprint() == key {
            return PlanReport(skippedUnchanged: true)
        }
        let runner = PlanRunner(source: overlay, projectors: projectors, mapping: options.fieldMapping, deletions: options.deletionPolicy, logger: logger)
        let store = self.store
        let report = try commitPlan(guarded: guarded, overlay: overlay, incremental: false) { sink in
            try runner.run(snapshot: store, sink: sink)
        }
        if report.sourceSettlesAt != nil { return report }
        // Only a plan that reached the outbox may mark the source as seen.
        try store.setSourceFingerprint(key)
        return report
    }

    /// Runs a plan into the stage and commits it: the guard decides per provider at the one
    /// point where the plan is whole and nothing of it is queued yet. Shared by full and
    /// incremental plans; what only a full read can tell (who shares an e-mail, who left the
    /// source) is refreshed by full plans only.
    /// - Returns: the plan, or a report with `sourceSettlesAt` when the file was still being written.
    func commitPlan(
        guarded: Bool, overlay: OverlaySource, incremental: Bool,
        run: (_ sink: ([PlannedChange], Set<String>) throws -> Void) throws -> PlanReport
    ) throws -> PlanReport {
        let store = self.store
        // The batches are staged, not enqueued: if the file turns out to have changed while it
        // was read, no change of this plan may reach the outbox (a row read across the change
        // matches no version of the file), and the fingerprint stays as it was so the next
        // cycle reads the file again.
        try store.beginStagedPlan()
        var report: PlanReport
        do {
            report = try run { batch, retracted in try store.stage(batch, retracting: retracted) }
        } catch {
            try? store.discardStagedPlan()
            if let settlesAt = settling(error) { return PlanReport(sourceSettlesAt: settlesAt) }
            throw error
        }
        let held = guarded ? try heldByGuard(report, limits: options.massChange) : [:]
        let heldBefore = Set(try store.guardHolds().filter { $0.direction == .push }.map(\.provider))
        try store.commitStagedPlan(planned: projectors.map(\.provider), holding: held)
        logHeld(held, direction: .push)
        for provider in projectors.map(\.provider) {
            if held[provider] == nil, heldBefore.contains(provider) {
                logger.notice("mass change hold dropped: the source came back under the limits; its held plan is superseded by this one", metadata: [
                    "provider": "\(provider)", "direction": "push",
                ])
            }
        }
        report.held = held
        if !incremental {
            // Who shares an e-mail may have changed with the source: held identities are checked again.
            try store.replaceSharedEmails(report.summary.sharedEmails)
            try store.replaceOutOfSync(providers: projectors.map(\.provider), report.outOfSync)
        }
        try store.recheckIdentityHolds()
        try store.dropAccepted(overlay.finishedChanges)
        return report
    }

    /// The source with accepted remote changes laid over it.
    func overlaySource() throws -> OverlaySource {
        OverlaySource(base: source, mapping: options.fieldMapping, accepted: try store.acceptedChanges())
    }

    /// Writes accepted remote changes back to the local side. A failure (the application
    /// holds its database, the file changed underneath) keeps them for the next cycle.
    func writeBackAccepted() throws {
        let pending = try store.acceptedChanges(pendingOnly: true)
        guard !pending.isEmpty else { return }
        do {
            let writeBack = try SourceRegistry.makeWriteBack(WriteBackOptions(
                source: options.source, mapping: options.fieldMapping, mode: options.writeBackMode, inboundPath: options.inboundPath))
            let result = try writeBack.apply(pending.map(\.change))
            try store.markWrittenBack(pending.map(\.id))
            for skipped in result.skipped {
                logger.notice("remote change not written back", metadata: [
                    "provider": "\(skipped.change.provider)", "external_id": "\(skipped.change.externalID)", "field": "\(skipped.change.field)",
                    "reason": "\(skipped)",
                ])
            }
            logger.info("remote changes written back", metadata: ["count": "\(result.applied)", "to": "\(writeBack.description)"])
        } catch {
            logger.warning("write-back failed; will retry next cycle", metadata: ["reason": "\(error)", "pending": "\(pending.count)"])
        }
    }

    /// Forgets accepted changes the source now holds (or has overridden), as a plan does.
    /// Kept, such a change would be laid over the source again if the application later set
    /// the field back to the value the change was made against. Reads the source only when it
    /// or the set of accepted changes changed since the last check.
    func dropCaughtUpAccepted() throws {
        let overlay = try overlaySource()
        guard !overlay.isEmpty else { return }
        let key = try source.fingerprint().storageText + "|accepted=\(overlay.revision)"
        if try store.meta("accepted_checked") == key { return }
        try overlay.read { _ in }
        try store.dropAccepted(overlay.finishedChanges)
        try store.setMeta("accepted_checked", try source.fingerprint().storageText + "|accepted=\(try overlaySource().revision)")
    }

    /// A config change that alters what is sent (mapping, providers) must re-plan even if
    /// the source did not change.
    var projectionKey: String { Self.projectionKey(options: options, providers: projectors.map(\.provider)) }

    static func projectionKey(options: Options, providers: [ProviderID]) -> String {
        let providers = providers.map(\.rawValue).joined(separator: ",")
        let mapping = options.fieldMapping.columnsByField.map { "\($0.field)=\($0.column)" }.joined(separator: ",")
        // What each provider's settings add (CommBox's content mapping); empty parts are left
        // out, so a key stays what it was before a provider had any.
        let settings = options.providers.enabled.map(\.settings.projectionKey).filter { !$0.isEmpty }.joined(separator: ";")
        return "|" + String(DocumentDigest(of: Array("\(providers);\(mapping);\(settings)".utf8)).description)
    }
}
