import UserSyncCore

/// A provider that stores the chosen canonical fields under their own names, and refuses a
/// name longer than `nameLimit` the way CommBox refuses over-long values.
struct FakeProjector: ProviderProjector {
    enum Field: String, Sendable { case name, email, metadata, phone }

    let provider: ProviderID
    let fields: [Field]
    var nameLimit: Int? = nil

    func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason> {
        if let nameLimit, let name = record.name, name.count > nameLimit {
            return .failure(.fieldTooLong(field: "name", length: name.count, limit: nameLimit, provider: provider.rawValue))
        }
        var document: [String: JSONValue] = ["id": .string(record.externalID)]
        for field in fields {
            switch field {
            case .name: if let name = record.name { document["name"] = .string(name) }
            case .email: if let email = record.email { document["email"] = .string(email) }
            case .metadata: document["metadata"] = .object(record.metadata)
            case .phone: if let phone = record.phone { document["phone"] = .string(phone) }
            }
        }
        return .success(.object(document))
    }

    func digest(of record: UserRecord) -> DocumentDigest {
        guard case .success(let document) = project(record) else { fatalError("snapshot record does not project") }
        return document.digest
    }
}

extension ProviderID {
    static let alpha: ProviderID = "alpha"
    static let beta: ProviderID = "beta"
    static let strict: ProviderID = "strict"
    static let strict2: ProviderID = "strict2"
}

extension FakeProjector {
    /// Everything: name, email, metadata.
    static let alpha = FakeProjector(provider: .alpha, fields: [.name, .email, .metadata])
    /// Only the e-mail address (and the phone).
    static let beta = FakeProjector(provider: .beta, fields: [.email, .phone])
    /// Name and e-mail, with a ten-character name limit.
    static let strict = FakeProjector(provider: .strict, fields: [.name, .email], nameLimit: 10)
    /// Another provider with the same limit.
    static let strict2 = FakeProjector(provider: .strict2, fields: [.name, .email], nameLimit: 10)
}

/// A `PlanEvent` reduced to what a golden scenario states about it.
enum GoldenEvent: Hashable, Sendable, CustomStringConvertible {
    case create(ProviderID, String)
    case update(ProviderID, String)
    case remove(ProviderID, String)
    case retract(String)
    case rejected(String?, code: String, at: SourceLocation)
    /// Refused by one provider only.
    case refused(ProviderID, String?, code: String, at: SourceLocation)

    init(_ event: PlanEvent) {
        switch event {
        case .change(let change):
            switch change.kind {
            case .create: self = .create(change.provider, change.externalID)
            case .update: self = .update(change.provider, change.externalID)
            case .remove: self = .remove(change.provider, change.externalID)
            }
        case .retract(let id): self = .retract(id)
        case .rejected(let rejection):
            if let provider = rejection.provider {
                self = .refused(provider, rejection.externalID, code: rejection.reason.code, at: rejection.location)
            } else {
                self = .rejected(rejection.externalID, code: rejection.reason.code, at: rejection.location)
            }
        }
    }

    var description: String {
        switch self {
        case .create(let p, let id): return "create \(p)/\(id)"
        case .update(let p, let id): return "update \(p)/\(id)"
        case .remove(let p, let id): return "remove \(p)/\(id)"
        case .retract(let id): return "retract \(id)"
        case .rejected(let id, let code, let at): return "reject \(id ?? "-") \(code) at \(at)"
        case .refused(let p, let id, let code, let at): return "\(p) refuses \(id ?? "-") \(code) at \(at)"
        }
    }
}

/// `line n` of a JSONL source: the location golden cases use.
func line(_ number: Int) -> SourceLocation { SourceLocation(.line, number) }

/// A PlanSummary from its counts; every provider of the plan appears, with zeros if idle.
func planSummary(
    rows: Int, unchanged: Int = 0, rejected: [String: Int] = [:],
    _ providers: [ProviderID: (created: Int, updated: Int, removed: Int)], refused: [ProviderID: [String: Int]] = [:]
) -> PlanSummary {
    var summary = PlanSummary()
    summary.rowsRead = rows
    summary.unchanged = unchanged
    summary.rejectedByReason = rejected
    for (provider, counts) in providers {
        var c = PlanSummary.ProviderCounts()
        c.created = counts.created
        c.updated = counts.updated
        c.removed = counts.removed
        c.refusedByReason = refused[provider] ?? [:]
        summary.providers[provider] = c
    }
    return summary
}
