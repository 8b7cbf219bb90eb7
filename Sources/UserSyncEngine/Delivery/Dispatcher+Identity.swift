import Logging
import UserSyncCore
import UserSyncProviders
import UserSyncStore

/// Finding the provider's profile for users the id map does not know yet, so that one
/// person's data never lands on another person's profile: a profile is bound to one user
/// only, users who share an e-mail are never told apart by it, and a profile found by
/// e-mail that carries another external id is someone else's.
extension Dispatcher {
    struct Resolution {
        var ready: [(OutboxItem, String)] = []
        var failed: [(OutboxItem, ProviderResponse)] = []
    }

    func resolve(_ unknown: [OutboxItem], control: LookupControl, now: Double, report: inout DispatchReport) async throws -> Resolution {
        var resolution = Resolution()
        let adapter = runtime.adapter
        // Users who share an e-mail in the source cannot be identified by it: no lookup.
        let byEmail = unknown.filter { adapter.identifiesByEmail($0.record) }.map(\.externalID)
        let partners = byEmail.isEmpty ? [:] : try store.sharedEmailPartners(byEmail)
        var lookups: [OutboxItem] = []
        for item in unknown {
            if let others = partners[item.externalID] {
                try holdForIdentity(
                    item, reason: "ambiguous identity: its e-mail address is also the address of \(others.joined(separator: ", ")) in the source",
                    detail: ["other_external_ids": "\(others.joined(separator: ","))"], now: now, report: &report)
            } else {
                lookups.append(item)
            }
        }
        guard !lookups.isEmpty else { return resolution }
        let resolved = await adapter.resolveIDs(for: lookups.map(\.record), control: control)
        // A profile found for two of these users at once is neither's.
        var claimants: [String: [String]] = [:]
        for item in lookups {
            if case .found(let id)? = resolved[item.externalID] { claimants[id, default: []].append(item.externalID) }
        }
        let learned = resolved.compactMap { id, answer -> (externalID: String, providerUserID: String)? in
            guard case .found(let providerID) = answer, claimants[providerID].map({ $0.count == 1 }) ?? true else { return nil }
            return (id, providerID)
        }
        let refused = Dictionary(try store.storeIDMappings(provider: provider, learned, now: now).map { ($0.externalID, $0) }) { a, _ in a }
        for item in lookups {
            switch resolved[item.externalID] ?? .missing {
            case .found(let id):
                if let claim = claimants[id], claim.count > 1 {
                    let others = claim.filter { $0 != item.externalID }
                    try holdForIdentity(
                        item, reason: "ambiguous identity: \(provider) user \(id) was found for \(others.joined(separator: ", ")) as well",
                        detail: ["provider_user_id": "\(id)", "other_external_ids": "\(others.joined(separator: ","))"], now: now, report: &report)
                } else if let taken = refused[item.externalID] {
                    try holdForIdentity(
                        item, reason: "\(provider) user \(id) is already bound to \(taken.boundTo)",
                        detail: ["provider_user_id": "\(id)", "other_external_ids": "\(taken.boundTo)"], now: now, report: &report)
                } else {
                    resolution.ready.append((item, id))
                }
            case .belongsToAnother(let id, let other):
                try holdForIdentity(
                    item, reason: "\(provider) user \(id), found by e-mail, belongs to \(other)",
                    detail: ["provider_user_id": "\(id)", "other_external_ids": "\(other)"], now: now, report: &report)
            case .missing:
                try parkMissing(item, now: now)
                report.parked += 1
            case .failed(let response):
                resolution.failed.append((item, response))
            }
        }
        return resolution
    }

    /// Holds one user for this provider; warns when the hold is new or its reason changed,
    /// never again for a user re-checked and still ambiguous.
    private func holdForIdentity(_ item: OutboxItem, reason: String, detail: Logger.Metadata, now: Double, report: inout DispatchReport) throws {
        report.heldForIdentity += 1
        guard try store.holdForIdentity(item, reason: reason, now: now) else { return }
        var meta: Logger.Metadata = ["provider": "\(provider)", "external_id": "\(item.externalID)", "reason": "\(reason)"]
        meta.merge(detail) { a, _ in a }
        logger.warning("held for identity: nothing is sent to this user at this provider until the source tells them apart", metadata: meta)
        EngineMetrics.delivery(provider: provider, outcome: "held_identity")
    }
}
