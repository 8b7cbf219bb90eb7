import UserSyncCore
extension UserSyncConfiguration {
    /// `source`: the local source of truth.
    public struct SourceSettings: Sendable, Equatable {
        /// `source.kind`.
        public var kind: SourceKind
        /// `source.path`: the file, or the SQLite database (absolute).
        public var path: String
        /// `source.table`: sqlite only; exactly one of `table` and `query` is set for sqlite,
        /// neither for file kinds.
        public var table: String?
        /// `source.query`: sqlite only; a read-only statement starting with SELECT or WITH.
        public var query: String?
        /// `source.csv`.
        public var csv: CSVSettings
        /// `source.fields`: canonical field → source column, in the core's own terms (a field
        /// the file does not name is nil: not read).
        public var fields: FieldMapping
        /// `source.inbound_path`: where remote changes are written for file sources (absolute).
        /// Always set for file kinds (default: `inbound.jsonl` beside `state.path`); nil for sqlite.
        public var inboundPath: String?
        /// `source.write_back`: how remote changes reach a file source. Ignored by sqlite sources
        /// (they write back into the database).
        public var writeBack: WriteBackMode
        /// `source.settle_time`: file kinds only; how long the file must have stayed unchanged
        /// before it is read, so that a file an application is still writing is never read
        /// half-way (default 2s; zero reads at once). Ignored by sqlite sources.
        public var settleTime: Duration

        /// The default `source.settle_time`.
        public static let defaultSettleTime: Duration = .seconds(2)
        /// The postgres keys (`source.url`, `password*`, `sslmode`, …): set for postgres only.
        public var postgres: PostgresSettings?

        public init(
            kind: SourceKind,
            path: String,
            table: String? = nil,
            query: String? = nil,
            csv: CSVSettings = CSVSettings(),
            fields: FieldMapping,
            inboundPath: String? = nil,
            writeBack: WriteBackMode = .inbound,
            settleTime: Duration = SourceSettings.defaultSettleTime,
            postgres: PostgresSettings? = nil
        ) {
            self.kind = kind
            self.path = path
            self.table = table
            self.query = query
            self.csv = csv
            self.fields = fields
            self.inboundPath = inboundPath
            self.writeBack = writeBack
            self.settleTime = settleTime
            self.postgres = postgres
        }
    }

    /// `source.kind`.
    public enum SourceKind: String, Sendable, Equatable, CaseIterable {
        case jsonl
        case json
        case csv
        case sqlite
        case postgres

        /// True for the file kinds (jsonl, json, csv).
        public var isFile: Bool { self != .sqlite && self != .postgres }
        /// True for the kinds read through SQL (`table` or `query`).
        public var isDatabase: Bool { !isFile }
    }

    /// The postgres-only keys of `source`.
    public struct PostgresSettings: Sendable, Equatable {
        /// `source.sslmode`.
        public enum SSLMode: String, Sendable, Equatable, CaseIterable {
            case disable
            case require
            case verifyFull = "verify-full"
        }

        /// `source.url`: `postgres://user@host:5432/database`, checked, without a password.
        public var url: String
        /// `source.password` / `password_env` / `password_file`; nil when the server needs none.
        public var password: Secret?
        /// `source.sslmode`; nil: `require`, or `disable` for a loopback host.
        public var sslMode: SSLMode?
        /// `source.ssl_root_cert`: a PEM file of the CA certificates trusted with `verify-full`
        /// instead of the system's (absolute; for a server certificate from a private CA).
        public var sslRootCert: String?
        /// `source.statement_timeout` (default 10m; 0s: no limit). A full read is one statement.
        public var statementTimeout: Duration
        /// `source.lock_timeout`: how long a write-back waits for a row lock (default 2s).
        public var lockTimeout: Duration
        /// `source.change_column`: a monotone timestamptz or bigint column.
        public var changeColumn: String?
        /// `source.change_overlap` (default 5s).
        public var changeOverlap: Duration
        /// `source.full_scan_interval` (default 1h).
        public var fullScanInterval: Duration
        /// `source.notify_channel`: LISTENed to for wake-ups.
        public var notifyChannel: String?

        public init(
            url: String, password: Secret? = nil, sslMode: SSLMode? = nil, sslRootCert: String? = nil,
            statementTimeout: Duration = .seconds(600),
            lockTimeout: Duration = .seconds(2), changeColumn: String? = nil, changeOverlap: Duration = .seconds(5),
            fullScanInterval: Duration = .seconds(3600), notifyChannel: String? = nil
        ) {
            self.url = url
            self.password = password
            self.sslMode = sslMode
            self.sslRootCert = sslRootCert
            self.statementTimeout = statementTimeout
            self.lockTimeout = lockTimeout
            self.changeColumn = changeColumn
            self.changeOverlap = changeOverlap
            self.fullScanInterval = fullScanInterval
            self.notifyChannel = notifyChannel
        }
    }

    /// `source.write_back`.
    public enum WriteBackMode: String, Sendable, Equatable, CaseIterable {
        /// Remote changes are appended to `source.inbound_path`; the operator's file is untouched.
        case inbound
        /// Remote changes are written into the source file itself.
        case rewrite
    }

    /// `source.csv`.
    public struct CSVSettings: Sendable, Equatable {
        /// `source.csv.delimiter`: one ASCII character (default `,`).
        public var delimiter: Character

        /// The delimiter as a byte (always ASCII: the loader rejects anything else).
        public var delimiterByte: UInt8 { delimiter.asciiValue ?? UInt8(ascii: ",") }

        public init(delimiter: Character = ",") {
            self.delimiter = delimiter
        }
    }
}
