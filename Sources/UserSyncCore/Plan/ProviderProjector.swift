/// Projects a canonical record onto the document one provider stores: only the fields we own,
/// named as the provider names them. Pure, so the planner can use it without any I/O.
public protocol ProviderProjector: Sendable {
    var provider: ProviderID { get }

    /// The desired document, or why this record cannot be sent to this provider
    /// (for example a value over the provider's length limit).
    func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason>
}
