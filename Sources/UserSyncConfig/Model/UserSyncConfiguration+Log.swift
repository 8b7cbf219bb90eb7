extension UserSyncConfiguration {
    /// `log`.
    public struct LogSettings: Sendable, Equatable {
        /// `log.level` (default info).
        public var level: LogLevel
        /// `log.format` (default auto).
        public var format: LogFormat
        /// `log.show_pii`: print e-mail addresses and names in logs (default false).
        public var showPII: Bool

        public init(level: LogLevel = .info, format: LogFormat = .auto, showPII: Bool = false) {
            self.level = level
            self.format = format
            self.showPII = showPII
        }
    }

    /// `log.level`: the names of swift-log's `Logger.Level`.
    public enum LogLevel: String, Sendable, Equatable, CaseIterable {
        case trace
        case debug
        case info
        case notice
        case warning
        case error
        case critical
    }

    /// `log.format`.
    public enum LogFormat: String, Sendable, Equatable, CaseIterable {
        /// journald when stderr is connected to the journal (`$JOURNAL_STREAM`), else logfmt.
        case auto
        /// One line per event with a `<N>` syslog priority prefix, for journald.
        case journald
        /// `key=value` pairs.
        case logfmt
        /// One JSON object per line.
        case json
    }
}
