import UserSyncCore

/// What the configuration says about writing remote changes back (`source.*`).
public struct WriteBackOptions: Sendable, Hashable {
    /// `source.write_back`: what happens to changes for a file source. SQLite tables are
    /// always written in place; a SQLite query always goes to the inbound file.
    public enum Mode: String, Sendable, Hashable {
        /// Append each change to `inboundPath`; the source file is never touched.
        case inbound
        /// Rewrite the source file atomically with the changes applied.
        case rewrite
    }

    /// The source the changes belong to.
    public var source: SourceOptions
    /// Which column holds each canonical field; unmapped fields are skipped.
    public var mapping: FieldMapping
    public var mode: Mode
    /// The inbound changes file (`source.inbound_path`): required for file sources in
    /// `inbound` mode and for SQLite query sources.
    public var inboundPath: String?
    /// SQLite: how long, in seconds, to wait for another connection's write lock before
    /// giving up (the changes are then retried next cycle).
    public var busyTimeout: Double

    public init(
        source: SourceOptions, mapping: FieldMapping, mode: Mode = .inbound, inboundPath: String? = nil,
        busyTimeout: Double = 5
    ) {
        self.source = source
        self.mapping = mapping
        self.mode = mode
        self.inboundPath = inboundPath
        self.busyTimeout = busyTimeout
    }
}

extension WriteBackOptions {
    /// The inbound changes file, for a source whose changes go there; `reason` says why when
    /// it is not the kind's own choice (a query cannot be written back).
    func inboundWriteBack(because reason: String? = nil) throws(SourceError) -> any SourceWriteBack {
        guard let inboundPath, !inboundPath.isEmpty else {
            throw SourceError(
                .invalidOptions("remote changes for this \(source.kind) source go to the inbound changes file, but no inbound path is set"),
                path: source.path)
        }
        return try InboundFileWriteBack(path: inboundPath, mapping: mapping, fallbackReason: reason)
    }
}
