import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncProviders
import UserSyncStore

/// `sync.direction: push` overwrites edits made at a provider, by design. Where it is cheap
/// to know, this says so before it happens: when a provider's whole side can be read for at
/// most a tenth of the requests of the pushes about to be sent (perform.chat: one list page
/// per 100 users, so at least 10 updates per 100 users it holds; at most once per
/// `sync.pull_interval`),
/// each due update is compared with the provider's current values and with what it last
/// confirmed; a field the provider changed since, which the push replaces, is logged at
/// notice. Nothing is changed: the push goes out as planned.
struct OverwriteWatch {
    let runtimes: [ProviderRuntime]
    let dispatchers: [Dispatcher]
    let store: StateStore
    let options: SyncEngine.Options
    let logger: Logger
    static let usersPerListRequest = 100
    static let maxChecked = 10_000
    /// The read may cost one request per this many pushes (10 %).
    static let pushesPerListRequest = 10
    /// The list is read in one go, without a heartbeat: at most this many pages (20,000
    /// users, a dozen seconds at the default rate), well inside the watchdog window.
    static let maxPages = 200

    func run(now: Double = StateStore.now()) async throws {
        // Only a provider that lists its whole side cheaply is read (one that costs a request
        // per user would cost as much as the pushes themselves).
        for runtime in runtimes where runtime.listsWholeSideCheaply {
            let provider = runtime.provider
            guard let adapter = runtime.adapter as? any PullingAdapter,
                let mapping = runtime.adapter.projector as? any RemoteFieldMapping
            else { continue }
            if let dispatcher = dispatchers.first(where: { $0.provider == provider }), await dispatcher.isPaused { continue }
            let due = try store.dueItems(provider: provider, now: now, limit: Self.maxChecked).filter { $0.state == .pending }
            guard !due.isEmpty else { continue }
            let confirmed = try store.remoteDocuments(provider: provider, externalIDs: due.map(\.externalID))
            let updates = due.filter { confirmed[$0.externalID] != nil }
            // The list costs one request per 100 users the provider holds (as far as we know):
            // read only when that is at most a tenth of the pushes about to be sent.
            let known = max(try store.idMappingCount(provider: provider), updates.count)
            let pages = (known + Self.usersPerListRequest - 1) / Self.usersPerListRequest
            guard !updates.isEmpty, pages * Self.pushesPerListRequest <= updates.count, pages <= Self.maxPages else { continue }
            // At most once per `sync.pull_interval` (a backlog retried cycle after cycle is
            // not read again each time).
            let checkedKey = "overwrite_checked_at.\(provider)"
            let last = try store.meta(checkedKey).flatMap(Double.init) ?? 0
            guard now - last >= Dispatcher.seconds(options.pullInterval) else { continue }
            try store.setMeta(checkedKey, "\(now)")
            let read = await adapter.pull(mapped: [], budget: Int.max)
            if let failure = read.failure {
                // Refused credentials pause the provider now (perform.chat locks a key after
                // 10 failed logins in 5 minutes); a Retry-After holds the pushes too.
                try await dispatchers.first(where: { $0.provider == provider })?.honour(failure, now: now)
                logger.debug("could not read the provider to look for overwritten edits", metadata: [
                    "provider": "\(provider)", "reason": "\(failure.message)",
                ])
                continue
            }
            let current = Dictionary(read.users.compactMap { u in u.externalID.map { ($0, u) } }, uniquingKeysWith: { a, _ in a })
            for item in updates {
                guard let base = confirmed[item.externalID], let remote = current[item.externalID] else { continue }
                let atProvider = DocumentPaths.flatten(mapping.ownedPart(of: remote.document, mapping: options.fieldMapping))
                let lastConfirmed = DocumentPaths.flatten(base)
                let pushed = DocumentPaths.flatten(item.document)
                for path in Set(atProvider.keys).union(lastConfirmed.keys).sorted() where mapping.owns(path, mapping: options.fieldMapping) {
                    let edited = atProvider[path]?.canonicalText != lastConfirmed[path]?.canonicalText
                    let replaced = pushed[path]?.canonicalText != atProvider[path]?.canonicalText
                    guard edited && replaced else { continue }
                    logger.notice("push overwrites a field changed at the provider since it was last confirmed (sync.direction push)", metadata: [
                        "provider": "\(provider)", "external_id": "\(item.externalID)", "field": "\(path)",
                    ])
                }
            }
        }
    }
}
