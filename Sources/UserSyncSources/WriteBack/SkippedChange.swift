import UserSyncCore

/// A change that write-back left out, and why. Skipping is not a failure: the change can
/// never be applied as configured, so retrying it would not help.
public struct SkippedChange: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// The field has no column in `source.fields` (`~` or left out): it is not synced back.
        case fieldNotMapped
        /// The field is never written back: the external id, a provider id, an unknown field,
        /// or a field mapped to the external id's column.
        case fieldNotWritable
        /// No row of the source has this external id (any more).
        case userNotFound
        /// Several rows have this external id (the reader rejects them, so it is not synced).
        case duplicateUser
        /// The mapped column does not exist in the table or the CSV header.
        case columnMissing(String)
        /// The metadata column of this user holds something other than a JSON object, so a
        /// metadata key cannot be set in it without destroying what is there.
        case metadataNotObject
    }

    public let change: FieldChange
    public let reason: Reason

    public init(change: FieldChange, reason: Reason) {
        self.change = change
        self.reason = reason
    }

    /// A short, stable, label-safe name for the reason.
    public var code: String {
        switch reason {
        case .fieldNotMapped: return "field_not_mapped"
        case .fieldNotWritable: return "field_not_writable"
        case .userNotFound: return "user_not_found"
        case .duplicateUser: return "duplicate_user"
        case .columnMissing: return "column_missing"
        case .metadataNotObject: return "metadata_not_object"
        }
    }

    public var description: String {
        let subject = "\(change.field) of \(change.externalID) (from \(change.provider))"
        switch reason {
        case .fieldNotMapped: return "\(subject): the field is not mapped to a column"
        case .fieldNotWritable: return "\(subject): the field is never written back"
        case .userNotFound: return "\(subject): no row has this external id"
        case .duplicateUser: return "\(subject): several rows have this external id"
        case .columnMissing(let column): return "\(subject): the source has no column \"\(column)\""
        case .metadataNotObject: return "\(subject): the metadata column does not hold a JSON object"
        }
    }
}
