import UserSyncConfig

/// `source.kind: jsonl`: `path` only.
public enum JSONLSourceSchema: SourceConfigSchema {
    public static let kind = JSONLSource.kind
    public static let readsFile = true
    public static let ownKeys = ["path"]

    public static func decode(_ section: ConfigSection, reader: ConfigDecoder) -> (any SourceKindSettings)? {
        FilePathSettings.decode(section, reader: reader)
    }
}
