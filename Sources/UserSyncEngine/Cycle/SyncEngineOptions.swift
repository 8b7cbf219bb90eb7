import UserSyncConfig
import UserSyncCore
import UserSyncSources

extension SyncEngine {
    /// Everything the engine reads of a configuration, in its own terms. The config file's
    /// model is translated into it once (`init(_ config:)`), so that the engine does not
    /// follow the file's layout, and what only the service reads (cycle interval, shutdown
    /// timeout, logging, metrics) stays out of the engine.
    public struct Options: Sendable {
        /// The state database (`state.path`).
        public var statePath: String
        /// How to open the source.
        public var source: SourceOptions
        /// Which source column holds each canonical field (`source.fields`).
        public var fieldMapping: FieldMapping
        /// How accepted remote changes reach the local side (`source.write_back`).
        public var writeBackMode: WriteBackOptions.Mode
        /// Where remote changes go when the source itself cannot take them (`source.inbound_path`).
        public var inboundPath: String?
        /// What a user missing from the source means (`sync.deletions`).
        public var deletionPolicy: DeletionPolicy
        /// Who wins when both sides changed a field (`sync.conflict_policy`).
        public var conflictPolicy: ConflictPolicy
        /// Whether cycles push, pull or both (`sync.direction`).
        public var direction: UserSyncConfiguration.SyncDirection
        /// Time between two pulls from a provider (`sync.pull_interval`).
        public var pullInterval: Duration
        /// The mass-change guard's limits (`sync.guard`).
        public var massChange: MassChangeLimits
        /// Backoff and give-up rules for a change's own failures (`retry`).
        public var retryPolicy: RetryPolicy
        /// Consecutive failures after which a provider's circuit opens (`retry.open_after`).
        public var openAfter: Int
        /// The enabled providers, each with the settings its own plug-in declared.
        public var providers: UserSyncConfiguration.ProvidersSettings

        public init(
            statePath: String, source: SourceOptions, fieldMapping: FieldMapping, writeBackMode: WriteBackOptions.Mode,
            inboundPath: String?, deletionPolicy: DeletionPolicy, conflictPolicy: ConflictPolicy,
            direction: UserSyncConfiguration.SyncDirection, pullInterval: Duration, massChange: MassChangeLimits,
            retryPolicy: RetryPolicy, openAfter: Int, providers: UserSyncConfiguration.ProvidersSettings
        ) {
            self.statePath = statePath
            self.source = source
            self.fieldMapping = fieldMapping
            self.writeBackMode = writeBackMode
            self.inboundPath = inboundPath
            self.deletionPolicy = deletionPolicy
            self.conflictPolicy = conflictPolicy
            self.direction = direction
            self.pullInterval = pullInterval
            self.massChange = massChange
            self.retryPolicy = retryPolicy
            self.openAfter = openAfter
            self.providers = providers
        }
    }
}
