import Logging
import UserSyncCore
import UserSyncProviders
import UserSyncStore

/// One push about to be sent: what is sent (the desired document with the provider's
/// explicit clears), and what the provider holds once it accepted it.
struct Delivery: Sendable {
    let item: OutboxItem
    let providerUserID: String
    let request: JSONValue
    /// Recorded as confirmed after a 2xx.
    let holding: JSONValue
    /// The request with what the provider held before it: the same key twice in a row is a
    /// repeat of a request whose outcome we have seen already.
    let key: DocumentDigest
}

extension Dispatcher {
    /// A repeat of the same request with nothing changed in between is sent at most this
    /// many times more; then it is a sync loop, stopped and reported.
    static let repeatsAllowed = 1

    /// Builds each push from what the provider was last confirmed to hold. A push that would
    /// leave the provider as it is sends nothing; a request repeating itself is stopped.
    func prepare(_ ready: [(OutboxItem, String)], now: Double, report: inout DispatchReport) throws -> [Delivery] {
        guard !ready.isEmpty else { return [] }
        let projector = runtime.adapter.projector
        let owns = runtime.owns
        let confirmed = try store.confirmedStates(provider: provider, externalIDs: ready.map(\.0.externalID))
        var deliveries: [Delivery] = []
        for (item, providerUserID) in ready {
            let before = confirmed[item.externalID]
            let request = projector.request(for: item.document, confirmed: before?.document, owns: owns)
            let holding = projector.holding(after: item.document, confirmed: before?.document, owns: owns)
            noteUnclearable(item, holding: holding, before: before)
            // Serialised once: it is compared here and is part of the request's key below.
            let beforeText = before?.document.canonicalText
            if let beforeText, holding.canonicalText == beforeText {
                // The provider already holds what this push would leave there.
                try store.acknowledge(item, providerUserID: providerUserID, confirmed: holding, now: now)
                report.alreadyHeld += 1
                continue
            }
            var keyText = Array(request.canonicalText.utf8)
            keyText.append(0x0A)
            keyText += Array((beforeText ?? "").utf8)
            let key = DocumentDigest(of: keyText)
            if let before, before.lastRequest == key, before.requestRepeats >= Self.repeatsAllowed {
                let reason = "sync loop stopped: the same request was sent \(before.requestRepeats + 1) times with nothing changed in between; not sent again until the source changes (please report this)"
                try store.deadLetter(item, status: nil, message: reason, now: now)
                report.deadLettered += 1
                logger.warning("sync loop detected; change moved to dead letters", metadata: [
                    "provider": "\(provider)", "external_id": "\(item.externalID)", "reason": "\(reason)",
                ])
                continue
            }
            deliveries.append(Delivery(item: item, providerUserID: providerUserID, request: request, holding: holding, key: key))
        }
        return deliveries
    }

    /// Says once, at notice, that a value cleared locally stays at a provider whose API
    /// cannot clear it (perform.chat's e-mail): the first time it is kept, the recorded
    /// document still matches its digest; afterwards the digest is the desired document's.
    private func noteUnclearable(_ item: OutboxItem, holding: JSONValue, before: ConfirmedState?) {
        guard let before, before.document.digest == before.digest else { return }
        let desired = item.document.objectValue ?? [:]
        let kept = (holding.objectValue ?? [:]).keys.filter { desired[$0] == nil }.sorted()
        guard !kept.isEmpty else { return }
        logger.notice("cleared locally, but this provider cannot clear it: the old value stays there and is never taken back", metadata: [
            "provider": "\(provider)", "external_id": "\(item.externalID)", "fields": "\(kept.joined(separator: ","))",
        ])
    }
}
