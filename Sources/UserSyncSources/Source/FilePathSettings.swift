import UserSyncConfig

/// `source.path` of a file kind with no options of its own (JSONL, a JSON array).
public struct FilePathSettings: SourceKindSettings, Equatable {
    /// `source.path` (absolute).
    public var path: String

    public init(path: String) {
        self.path = path
    }

    public var location: String { path }
    /// A file takes no remote changes except through the inbound file or a rewrite.
    public var needsInboundFile: Bool { true }

    public func render(into out: inout YAMLWriter) {
        out.field("path", YAMLWriter.quoted(path))
    }

    /// `source.path`, required for every file kind.
    static func decode(_ section: ConfigSection, reader: ConfigDecoder) -> FilePathSettings? {
        reader.requiredPath(section, "path").map(FilePathSettings.init)
    }
}

extension FilePathSettings: SourceOptionsApplying {
    public func apply(to options: inout SourceOptions) {}
}
