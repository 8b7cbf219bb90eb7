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
    let config: UserSyncConfiguration
    let logger: Logger
    /// Most unmapped users gathered per provider and pass (the rest: next pass).
    static let maxUnmapped = 50_000
    static let chunk = 5_000
    /// Meta key the engine bumps whenever a pull-only pull recorded provider documents.
    static let reconciledKey = "pull_reconciled"

    func run(source: OverlaySource, projectionKey: String) async throws {
        let providers = projectors.map(\.provider)
        // Redone when the source, the mapping, the accepted changes or what the pulls recorded
        // (`pull_reconciled`, set by the engine) changed since the last complete pass.
        let key = try source.fingerprint().storageText + projectionKey + "|accepted=\(source.revision)"
            + "|reconciled=\(try store.meta(Self.reconciledKey) ?? "")"
        if try store.meta("pull_baseline") == key { return }

        var unmapped: [ProviderID: [UserRecord]] = [:]
        var outOfSync: [(provider: ProviderID, externalID: String, reason: OutOfSyncReason)] = []
        var truncated = false
        let runner = PlanRunner(source: source, projectors: projectors, mapping: config.fieldMapping, deletions: .ignore, logger: logger)
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
        for runtime in runtimes {
            if let dispatcher = dispatchers.first(where: { $0.provider == runtime.provider }), await dispatcher.isPaused {
                complete = false
                continue
            }
            let records = try (unmapped[runtime.provider] ?? []).filter {
                try store.providerUserID(provider: runtime.provider, externalID: $0.externalID) == nil
            }
            let answered = try await resolve(records, runtime: runtime)
            if !answered { complete = false }
        }
        if complete { try store.setMeta("pull_baseline", key) }
    }

    /// Looks users up in chunks; true when every lookup got an answer.
    private func resolve(_ records: [UserRecord], runtime: ProviderRuntime) async throws -> Bool {
        guard !records.isEmpty else { return true }
        let provider = runtime.provider
        var found = 0
        var missing = 0
        var start = 0
        while start < records.count {
            // A list paged for an earlier chunk may have mapped users of this one already.
            let chunk = try records[start..<min(start + Self.chunk, records.count)].filter {
                try store.providerUserID(provider: provider, externalID: $0.externalID) == nil
            }
            start += Self.chunk
            guard !chunk.isEmpty else { continue }
            let resolved = await runtime.adapter.resolveIDs(for: chunk)
            var learned: [(externalID: String, providerUserID: String)] = []
            for record in chunk {
                switch resolved[record.externalID] ?? .missing {
                case .found(let id):
                    learned.append((record.externalID, id))
                case .missing:
                    missing += 1
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
            found += learned.count
        }
        logger.info("pull-only: provider ids looked up; their values become the merge base at the next pull", metadata: [
            "provider": "\(provider)", "found": "\(found)", "not_at_provider": "\(missing)",
        ])
        return true
    }
}
