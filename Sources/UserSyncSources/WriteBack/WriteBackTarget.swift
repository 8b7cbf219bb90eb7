import UserSyncCore

/// Where one change lands in a row: a plain column, one key of the metadata object, or the
/// whole metadata object.
enum WriteBackTarget: Hashable {
    case column(String)
    case metadataKey(column: String, key: String)
    case metadata(column: String)

    var column: String {
        switch self {
        case .column(let column), .metadataKey(let column, _), .metadata(let column): return column
        }
    }

    enum Resolution {
        case target(WriteBackTarget)
        case skip(SkippedChange.Reason)
    }

    /// The target of `change` under `mapping`, or why it has none.
    static func resolve(_ change: FieldChange, mapping: FieldMapping) -> Resolution {
        let column: String?
        let target: (String) -> WriteBackTarget
        if let key = change.metadataKey {
            column = mapping.metadata
            target = { .metadataKey(column: $0, key: key) }
        } else {
            switch change.field {
            case "name": column = mapping.name
            case "email": column = mapping.email
            case "phone": column = mapping.phone
            case "first_name": column = mapping.firstName
            case "last_name": column = mapping.lastName
            case "metadata":
                guard let metadata = mapping.metadata else { return .skip(.fieldNotMapped) }
                if metadata == mapping.externalID { return .skip(.fieldNotWritable) }
                return .target(.metadata(column: metadata))
            default:
                // external_id, performchat_id, commbox_id, or a field this version does not know.
                return .skip(.fieldNotWritable)
            }
            target = { .column($0) }
        }
        guard let column, !column.isEmpty else { return .skip(.fieldNotMapped) }
        // Never rewrite the join key, even when a field is (mis)mapped onto its column.
        if column == mapping.externalID { return .skip(.fieldNotWritable) }
        return .target(target(column))
    }
}
