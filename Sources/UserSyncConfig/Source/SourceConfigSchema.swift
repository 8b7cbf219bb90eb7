/// A source kind as the config file knows it: the keys of `source` that only it reads, their
/// rules, and the settings it reads them into. Each kind's folder declares one; the loader is
/// given the list (`ConfigLoader.load(path:providers:sources:)`) and names none.
///
/// The keys every kind shares (`kind`, `fields`, `inbound_path`, `write_back`,
/// `settle_time`) are read by shared code; the location (`path`, or a server's `url`) and
/// everything else is the kind's own.
public protocol SourceConfigSchema: Sendable {
    /// What `source.kind` calls it: `csv`.
    static var kind: String { get }
    /// Whether the source is a file read whole, which an application may be caught writing
    /// (`settle_time` applies) and beside which remote changes are kept (`inbound_path`).
    static var readsFile: Bool { get }
    /// Its keys of `source`, the location included. A key another kind owns and this one
    /// does not is refused on this kind, naming the kinds it applies to.
    static var ownKeys: [String] { get }
    /// Its keys that other kinds accept and ignore, rather than refuse (`csv`, which the
    /// example config carries whatever the kind).
    static var keysOtherKindsIgnore: [String] { get }
    /// Reads the kind's own keys; nil when something required is missing or invalid
    /// (reported through `reader`).
    static func decode(_ section: ConfigSection, reader: ConfigDecoder) -> (any SourceKindSettings)?
}

extension SourceConfigSchema {
    public static var keysOtherKindsIgnore: [String] { [] }
}

/// One source kind's own settings, as its schema read them.
public protocol SourceKindSettings: Sendable {
    /// Where the source is, as logs and errors may show it: a file path, or a server URL
    /// without its password.
    var location: String { get }
    /// Every credential that must never be shown (scrubbed from the logs).
    var secrets: [UserSyncConfiguration.Secret] { get }
    /// Whether remote changes must go to the inbound changes file because the source itself
    /// cannot take them (a file, or the result of a query).
    var needsInboundFile: Bool { get }
    /// Writes the kind's own keys, secrets as `<redacted>` with where they came from.
    func render(into out: inout YAMLWriter)
    /// Equality across the existential (the configuration is `Equatable`).
    func isEqual(to other: any SourceKindSettings) -> Bool
}

extension SourceKindSettings {
    public var secrets: [UserSyncConfiguration.Secret] { [] }
}

extension SourceKindSettings where Self: Equatable {
    public func isEqual(to other: any SourceKindSettings) -> Bool {
        (other as? Self) == self
    }
}
