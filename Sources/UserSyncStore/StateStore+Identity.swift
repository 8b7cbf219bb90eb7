import GRDB
import UserSyncCore

/// A binding the id map refused: the provider profile is already bound to another user.
public struct RefusedBinding: Sendable, Hashable {
    public let externalID: String
    public let providerUserID: String
    /// The external id the profile is bound to.
    public let boundTo: String
}

/// What a provider was last confirmed to hold for one user.
public struct ConfirmedState: Sendable, Hashable {
    public let document: JSONValue
    public let digest: DocumentDigest
    /// The key of the last request sent for this user (its body and what the provider held
    /// before it), and how many times in a row that same request was sent again.
    public let lastRequest: DocumentDigest?
    public let requestRepeats: Int
}

extension StateStore {
    /// The user a provider profile is bound to, if any.
    public func boundExternalID(provider: ProviderID, providerUserID: String) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT external_id FROM id_map WHERE provider = ? AND provider_user_id = ?",
                arguments: [provider.rawValue, providerUserID])
        }
    }

    /// Holds an item until its identity is clear; returns false when it was already held for
    /// the same reason (so the caller warns once, not every cycle).
    @discardableResult
    public func holdForIdentity(_ item: OutboxItem, reason: String, now: Double = StateStore.now()) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE outbox SET state = 'identity', last_status = NULL, last_error = ?, updated_at = ? WHERE id = ?",
                arguments: [reason, now, item.id])
        }
        return !(item.state == .heldForIdentity && item.lastError == reason)
    }

    /// Lets every item held for identity be checked again (the source changed): due now,
    /// still marked as held, so that the check warns only when the reason changed.
    public func recheckIdentityHolds(now: Double = StateStore.now()) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE outbox SET not_before = min(not_before, ?), state = 'pending' WHERE state = 'identity'", arguments: [now])
        }
    }

    /// Replaces the groups of users that share an e-mail address in the source.
    public func replaceSharedEmails(_ groups: [[String]]) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM shared_email")
            let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO shared_email (external_id, others) VALUES (?, ?)")
            for group in groups {
                for id in group {
                    try insert.execute(arguments: [id, group.filter { $0 != id }.sorted().joined(separator: ",")])
                }
            }
        }
    }

    /// For each given user that shares its e-mail with others in the source, those others.
    public func sharedEmailPartners(_ externalIDs: [String]) throws(StoreError) -> [String: [String]] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT others FROM shared_email WHERE external_id = ?")
            var partners: [String: [String]] = [:]
            for id in externalIDs {
                if let others = try String.fetchOne(statement, arguments: [id]) {
                    partners[id] = others.split(separator: ",").map(String.init)
                }
            }
            return partners
        }
    }

    /// What the provider was last confirmed to hold, for a batch of users.
    public func confirmedStates(provider: ProviderID, externalIDs: [String]) throws(StoreError) -> [String: ConfirmedState] {
        try read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT document, digest, last_request, request_repeats FROM remote_state WHERE provider = ? AND external_id = ?")
            var states: [String: ConfirmedState] = [:]
            for id in externalIDs {
                guard let row = try Row.fetchOne(statement, arguments: [provider.rawValue, id]) else { continue }
                let last: Int64? = row["last_request"]
                states[id] = ConfirmedState(
                    document: Self.decode(row["document"]), digest: DocumentDigest(storageValue: row["digest"]),
                    lastRequest: last.map(DocumentDigest.init(storageValue:)), requestRepeats: row["request_repeats"])
            }
            return states
        }
    }
}
