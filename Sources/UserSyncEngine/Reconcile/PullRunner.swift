import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncProviders
import UserSyncStore

/// Reads each provider's side when its pull is due and keeps the users whose document
/// differs from what we last saw there. Pull requests go through the same rate limiter as
/// pushes (the adapter's HTTP door is shared).
struct PullRunner {
    let runtimes: [ProviderRuntime]
    let dispatchers: [Dispatcher]
    let store: StateStore
    let options: SyncEngine.Options
    let logger: Logger

    /// - Returns: the users whose document changed at a provider, and the providers pulled.
    func pullDue(now: Double = StateStore.now()) async throws -> (candidates: [RemoteCandidate], pulled: Set<ProviderID>) {
        var candidates: [RemoteCandidate] = []
        var pulled: Set<ProviderID> = []
        let interval = Dispatcher.seconds(options.pullInterval)
        for runtime in runtimes {
            let provider = runtime.provider
            guard let adapter = runtime.adapter as? any PullingAdapter,
                let mapping = runtime.adapter.projector as? any RemoteFieldMapping
            else { continue }
            let last = try store.meta("pulled_at.\(provider)").flatMap(Double.init) ?? 0
            guard now - last >= interval else { continue }
            if let dispatcher = dispatchers.first(where: { $0.provider == provider }), await dispatcher.isPaused { continue }
            let cursorKey = "pull_cursor.\(provider)"
            let budget = runtime.pullBudget
            guard budget > 0 else { continue }
            let previousCursor = try store.meta(cursorKey)
            var offered = try store.mappedUsers(provider: provider, after: previousCursor, limit: min(budget, 10_000))
            if offered.isEmpty { offered = try store.mappedUsers(provider: provider, after: nil, limit: min(budget, 10_000)) }
            let result = await adapter.pull(mapped: offered.map { MappedUser(externalID: $0.externalID, providerUserID: $0.providerUserID) }, budget: budget)
            if let failure = result.failure {
                // Refused credentials pause the provider now, so this cycle's pushes add no
                // second failed login; a Retry-After holds the pushes too.
                try await dispatchers.first(where: { $0.provider == provider })?.honour(failure, now: now)
            }
            if let failure = result.failure, failure.status != 401 && failure.status != 403 {
                logger.warning("pull stopped early", metadata: ["provider": "\(provider)", "status": "\(failure.status.map(String.init) ?? "-")", "reason": "\(failure.message)"])
            }
            // The rotation goes on after the last user covered (past the end, the next pull
            // starts again from the first); nothing covered: the same users are offered again.
            let cursor = result.covered > 0 ? offered[result.covered - 1].externalID : previousCursor
            try store.setMeta(cursorKey, cursor)
            if result.failure == nil {
                try store.setMeta("pulled_at.\(provider)", "\(now)")
                pulled.insert(provider)
            }
            candidates += try changed(result.users, provider: provider, offered: offered, mapping: mapping)
            logger.info("pulled", metadata: ["provider": "\(provider)", "users_read": "\(result.users.count)", "remote_changes": "\(candidates.filter { $0.provider == provider }.count)"])
        }
        return (candidates, pulled)
    }

    private func changed(_ users: [RemoteUser], provider: ProviderID, offered: [(externalID: String, providerUserID: String)], mapping: any RemoteFieldMapping) throws -> [RemoteCandidate] {
        let byProviderID = Dictionary(offered.map { ($0.providerUserID, $0.externalID) }, uniquingKeysWith: { a, _ in a })
        var result: [RemoteCandidate] = []
        for chunk in stride(from: 0, to: users.count, by: 500) {
            let slice = users[chunk..<min(chunk + 500, users.count)]
            let identified = slice.compactMap { user -> (String, RemoteUser)? in
                guard let id = byProviderID[user.providerUserID] ?? user.externalID else { return nil }
                return (id, user)
            }
            let known = try store.remoteDigests(provider: provider, externalIDs: identified.map(\.0))
            var differing: [(String, RemoteUser, JSONValue)] = []
            for (id, user) in identified {
                let owned = mapping.ownedPart(of: user.document, mapping: options.fieldMapping)
                // No base yet: first contact. With pushes, the local source is the truth and
                // its push sets the base: nothing to pull. Pull only: the provider's values
                // become the base (a mapped user of the source; `ReconcileRunner` adopts it).
                guard let base = known[id] else {
                    guard !options.direction.pushes else { continue }
                    guard try byProviderID[user.providerUserID] != nil || mapped(provider, id, user) else { continue }
                    result.append(RemoteCandidate(
                        provider: provider, externalID: id, providerUserID: user.providerUserID, document: owned,
                        updatedAt: user.updatedAt.flatMap(EditTime.seconds)))
                    continue
                }
                if owned.digest == base { continue }
                differing.append((id, user, owned))
            }
            // The recorded digest is that of the document we want there; the provider may
            // rightly hold more (a value its API cannot clear): compare with what it was
            // confirmed to hold before calling it an edit.
            let confirmed = differing.isEmpty ? [:] : try store.remoteDocuments(provider: provider, externalIDs: differing.map(\.0))
            for (id, user, owned) in differing {
                if let held = confirmed[id], held.canonicalText == owned.canonicalText { continue }
                result.append(RemoteCandidate(
                    provider: provider, externalID: id, providerUserID: user.providerUserID, document: owned,
                    updatedAt: user.updatedAt.flatMap(EditTime.seconds)))
            }
        }
        return result
    }

    /// The id map binds this provider profile to this user (a list shows users it does not).
    private func mapped(_ provider: ProviderID, _ externalID: String, _ user: RemoteUser) throws -> Bool {
        try store.providerUserID(provider: provider, externalID: externalID) == user.providerUserID
    }
}
