import UserSyncCore

extension UserSyncConfiguration {
    /// `source`: the local source of truth.
    public struct SourceSettings: Sendable, Equatable {
        /// `source.kind`, as registered with the loader.
        public let schema: any SourceConfigSchema.Type
        /// The kind's own keys (`path`, `csv`, `table`, `url`, …), as its schema read them.
        public var options: any SourceKindSettings
        /// `source.fields`.
        public var fields: FieldMapping
        /// `source.inbound_path`: where remote changes are written when the source itself
        /// cannot take them (absolute; default `inbound.jsonl` beside `state.path`); nil
        /// for a source that can.
        public var inboundPath: String?
        /// `source.write_back`: how remote changes reach a file source. Ignored by kinds that
        /// do not read a file (they write back into the database).
        public var writeBack: WriteBackMode
        /// `source.settle_time`: file kinds only; how long the file must have stayed unchanged
        /// before it is read, so that a file an application is still writing is never read
        /// half-way (default 2s; zero reads at once).
        public var settleTime: Duration

        /// The default `source.settle_time`.
        public static let defaultSettleTime: Duration = .seconds(2)

        public init(
            schema: any SourceConfigSchema.Type,
            options: any SourceKindSettings,
            fields: FieldMapping,
            inboundPath: String? = nil,
            writeBack: WriteBackMode = .inbound,
            settleTime: Duration = SourceSettings.defaultSettleTime
        ) {
            self.schema = schema
            self.options = options
            self.fields = fields
            self.inboundPath = inboundPath
            self.writeBack = writeBack
            self.settleTime = settleTime
        }

        /// `source.kind`: `jsonl`.
        public var kind: String { schema.kind }
        /// The file, the database file, or the server URL without its password.
        public var path: String { options.location }

        public static func == (lhs: SourceSettings, rhs: SourceSettings) -> Bool {
            lhs.schema == rhs.schema && lhs.options.isEqual(to: rhs.options) && lhs.fields == rhs.fields
                && lhs.inboundPath == rhs.inboundPath && lhs.writeBack == rhs.writeBack && lhs.settleTime == rhs.settleTime
        }
    }

    /// `source.write_back`.
    public enum WriteBackMode: String, Sendable, Equatable, CaseIterable {
        /// Remote changes are appended to `source.inbound_path`; the operator's file is untouched.
        case inbound
        /// Remote changes are written into the source file itself.
        case rewrite
    }
}
