/// Projects a canonical record onto the document one provider stores: only the fields we own,
/// named as the provider names them. Pure, so the planner can use it without any I/O.
public protocol ProviderProjector: Sendable {
    var provider: ProviderID { get }

    /// The desired document, or why this record cannot be sent to this provider
    /// (for example a value over the provider's length limit).
    func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason>

    /// Exactly `project(record).map(\.digest)`: the same digest bit for bit, or the same
    /// rejection. The planner compares every user through this and projects only the users
    /// that changed, so a projector may implement it without building the document
    /// (see `CanonicalHasher`); the default builds it.
    func digest(_ record: UserRecord) -> Result<DocumentDigest, RejectionReason>
}

extension ProviderProjector {
    public func digest(_ record: UserRecord) -> Result<DocumentDigest, RejectionReason> {
        project(record).map(\.digest)
    }
}
