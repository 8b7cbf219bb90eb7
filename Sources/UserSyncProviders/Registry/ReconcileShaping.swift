import UserSyncCore

/// A provider document reshaped before the three-way comparison, so that a field the local
/// side holds as one value is compared as one path (a projector conforms when its provider
/// splits such a field).
public protocol ReconcileShaping {
    func shapedForReconcile(_ document: JSONValue, record: UserRecord) -> JSONValue
}
