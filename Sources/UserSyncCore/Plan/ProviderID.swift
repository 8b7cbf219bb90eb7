/// A provider's stable name, as used in the config, the state database, logs and metrics.
/// Open on purpose: the core names no provider; each provider's folder declares its own.
public struct ProviderID: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }
    public static func < (a: ProviderID, b: ProviderID) -> Bool { a.rawValue < b.rawValue }

    /// The canonical field (and config key) holding this provider's own id of a user:
    /// `performchat` → `performchat_id`.
    public var idField: String { "\(rawValue)_id" }

    /// The provider whose id `field` holds (`commbox_id` → `commbox`); nil for other fields.
    public init?(idField field: String) {
        guard field.hasSuffix("_id"), field != "external_id", field.count > 3 else { return nil }
        self.rawValue = String(field.dropLast(3))
    }
}
