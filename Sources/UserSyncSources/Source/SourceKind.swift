import UserSyncConfig

/// One kind of source (`source.kind`): how it is read, where remote changes for it are
/// written back, and what it can do. Each kind lives in its own folder and is listed once
/// in `SourceRegistry`.
public protocol SourceKind: Sendable {
    /// What `source.kind` calls it: `jsonl`.
    var name: String { get }
    var capabilities: SourceCapabilities { get }
    /// Its keys of the config file's `source` section.
    var configSchema: any SourceConfigSchema.Type { get }

    /// The source `options` describe; throws when they do not fit the kind. Touches no file.
    func source(_ options: SourceOptions) throws(SourceError) -> any UserSource

    /// Where accepted remote changes for the source go (`options.source` already passed
    /// `source(_:)`). Touches no file.
    func writeBack(_ options: WriteBackOptions) throws(SourceError) -> any SourceWriteBack
}

/// What a source kind can do, where kinds differ.
public struct SourceCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// A file read whole, which an application may be caught writing: `source.settle_time`
    /// applies, and the fingerprint hashes the content.
    public static let settles = SourceCapabilities(rawValue: 1 << 0)
    /// `write_back: rewrite` edits the source itself; without it `write_back` is ignored.
    public static let rewrites = SourceCapabilities(rawValue: 1 << 1)
}
