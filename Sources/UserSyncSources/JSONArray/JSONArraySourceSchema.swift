import UserSyncConfig

/// `source.kind: json`: `path` only.
public enum JSONArraySourceSchema: SourceConfigSchema {
    public static let kind = JSONArraySource.kind
    public static let readsFile = true
    public static let ownKeys = ["path"]

    public static func decode(_ section: ConfigSection, reader: ConfigDecoder) -> (any SourceKindSettings)? {
        FilePathSettings.decode(section, reader: reader)
    }
}
