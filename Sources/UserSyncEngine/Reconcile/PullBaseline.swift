import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncProviders
import UserSyncStore

/// Pull-only mode (`sync.direction: pull`) never pushes, so nothing else learns which
/// provider profile belongs to which local user. When the source (or what is known of the
/// providers) changed, this reads the source once: users no provider id is known for are
/// looked up (one id resolution, the adapter choosing the cheapest way), and the users that
/// left the source or whose fields differ from what a provider holds are recorded for
/// `usersync status`. The pull then adopts each newly mapped user's provider values as its
/// merge base (`PullRunner`, `ReconcileRunner`), so later provider edits flow back.
struct PullBaseline {
    let runtimes: [ProviderRuntime]
    let dispatchers: [Dispatcher]
    let projectors: [any ProviderProjector]
    let store: StateStore
    let options: SyncEngine.Options
    let logger: Logger
    /// Most unmapped users gathered per provider and pass (the rest: next pass).
    static let maxUnmapped = 50_000
    /// Users looked up per call: the service's watchdog hears from us between two calls.
    static let chunk = 100
    /// A pass stops looking users up after this long; the next cycle carries on.
    static let timeBudget: Double = 20
    /// Meta key the engine bumps whenever a pull-only pull recorded provider documents.
    static let reconciledKey = "pull_reconciled"

    func run(source: OverlaySource, projectionKey: String, stop: StopSignal = .never, progress: @Sendable () -> Void = {}) async throws {
        let providers = projectors.map(\.provider)
        // Redone when the source, the mapping, the accepted changes or what the pulls recorded
        // (`pull_reconciled`, set by the engine) changed since the last complete pass.
        let key = try source.fingerprint().storageText + projectionKey + "|accepted=\(source.revision)"
            + "|reconciled=\(try store.meta(Self.reconciledKey) ?? "")"
        if try store.meta("pull_baseline") == key { return }

        var unmapped: [ProviderID: [UserRecord]] = [:]
        var outOfSync: [(provider: ProviderID, externalID: String, reason: OutOfSyncReason)] = []
        var truncated = false
        let runner = PlanRunner(source: source, projectors: projectors, mapping: options.fieldMapping, deletions: .ignore, logger: logger)
        let plan = try runner.run(snapshot: store) { batch, _ in
            for change in batch {
                switch change.kind {
                case .create:
                    guard let record = change.record else { continue }
                    if unmapped[change.provider, default: []].count < Self.maxUnmapped {
                        unmapped[change.provider, default: []].append(record)
                    } else {
                        truncated = true
                    }
                case .update: outOfSync.append((provider: change.provider, externalID: change.externalID, reason: OutOfSyncReason.differs))
                case .remove: break
                }
            }
        }
        outOfSync += plan.outOfSync
        try store.replaceOutOfSync(providers: providers, outOfSync)

        var complete = !truncated
        let deadline = Date().timeIntervalSince1970 + Self.timeBudget
        for runtime in runtimes {
            if let dispatcher = dispatchers.first(where: { $0.provider == runtime.provider }), await dispatcher.isPaused {
                complete = false
                continue
            }
            let records = try (unmapped[runtime.provider] ?? []).filter {
                try store.providerUserID(provider: runtime.provider, externalID: $0.externalID) == nil
            }
            let answered = try await resolve(records, runtime: runtime, until: deadline, stop: stop, progress: progress)
            if !answered { complete = false }
        }
        if complete { try store.setMeta("pull_baseline", key) }
    }

    /// Looks users up in chunks; true when every lookup got an answer in time.
    private func resolve(
        _ records: [UserRecord], runtime: ProviderRuntime, until deadline: Double, stop: StopSignal, progress: @Sendable () -> Void
    ) async throws -> Bool {
        guard !records.isEmpty else { return true }
        let provider = runtime.provider
        let wanted = Set(records.map(\.externalID))
        var found = 0
        var missing = 0
        var start = 0
        while start < records.count {
            progress()
            if stop.isSet || Date().timeIntervalSince1970 > deadline {
                logger.info("pull-only: more provider ids to look up next cycle", metadata: [
                    "provider": "\(provider)", "found": "\(found)", "left": "\(records.count - start)",
                ])
                return false
            }
            // A list paged for an earlier chunk may have mapped users of this one already.
            let chunk = try records[start..<min(start + Self.chunk, records.count)].filter {
                try store.providerUserID(provider: provider, externalID: $0.externalID) == nil
            }
            start += Self.chunk
            guard !chunk.isEmpty else { continue }
            let resolved = await runtime.adapter.resolveIDs(for: chunk)
            // A paged list answers for every user it holds: keep those of the source too.
            let asked = Set(chunk.map(\.externalID))
            var learned: [(externalID: String, providerUserID: String)] = resolved.compactMap { id, resolution in
                guard case .found(let providerUserID) = resolution, wanted.contains(id), !asked.contains(id) else { return nil }
                return (id, providerUserID)
            }
            for record in chunk {
                switch resolved[record.externalID] ?? .missing {
                case .found(let id):
                    learned.append((record.externalID, id))
                    found += 1
                case .missing:
                    missing += 1
                case .belongsToAnother(let id, let other):
                    // Found by e-mail but someone else's: never bound, never taken as a base.
                    missing += 1
                    logger.warning("pull-only: the profile found by e-mail belongs to another user; not bound", metadata: [
                        "provider": "\(provider)", "external_id": "\(record.externalID)", "provider_user_id": "\(id)",
                        "other_external_ids": "\(other)",
                    ])
                case .failed(let response):
                    try store.storeIDMappings(provider: provider, learned)
                    if case .authentication = response, let dispatcher = dispatchers.first(where: { $0.provider == provider }) {
                        try await dispatcher.pauseAfterRefusal(response)
                    }
                    logger.warning("pull-only: id lookup stopped early; tried again next cycle", metadata: [
                        "provider": "\(provider)", "status": "\(response.status.map(String.init) ?? "-")", "reason": "\(response.message)",
                    ])
                    return false
                }
            }
            try store.storeIDMappings(provider: provider, learned)
        }
        logger.info("pull-only: provider ids looked up; their values become the merge base at the next pull", metadata: [
            "provider": "\(provider)", "found": "\(found)", "not_at_provider": "\(missing)",
        ])
        return true
    }
}
