import UserSyncCore

extension UserSyncConfiguration {
    /// `sync`: cycle timing, direction and policies.
    public struct SyncSettings: Sendable, Equatable {
        /// `sync.interval`: time between two push cycles (default 30s).
        public var interval: Duration
        /// `sync.direction` (default both).
        public var direction: SyncDirection
        /// `sync.conflict_policy` (default local), in the core's own terms.
        public var conflictPolicy: ConflictPolicy
        /// `sync.deletions` (default ignore), in the core's own terms.
        public var deletions: DeletionPolicy
        /// `sync.pull_interval`: time between two pulls from the providers (default 5m).
        public var pullInterval: Duration
        /// `sync.shutdown_timeout`: how long SIGTERM waits for in-flight requests (default 10s).
        public var shutdownTimeout: Duration
        /// `sync.guard`: the mass-change guard's limits (`max_changed` 10%, `max_cleared` 2%,
        /// `min_users` 50): a cycle over one, for a provider, is held for an operator.
        public var massChange: MassChangeLimits

        public init(
            interval: Duration = .seconds(30),
            direction: SyncDirection = .both,
            conflictPolicy: ConflictPolicy = .local,
            deletions: DeletionPolicy = .ignore,
            pullInterval: Duration = .seconds(300),
            shutdownTimeout: Duration = .seconds(10),
            massChange: MassChangeLimits = MassChangeLimits()
        ) {
            self.interval = interval
            self.direction = direction
            self.conflictPolicy = conflictPolicy
            self.deletions = deletions
            self.pullInterval = pullInterval
            self.shutdownTimeout = shutdownTimeout
            self.massChange = massChange
        }
    }

    /// `sync.direction`.
    public enum SyncDirection: String, Sendable, Equatable, CaseIterable {
        /// Local changes go to the providers; nothing is pulled.
        case push
        /// Remote changes come back to the local side; nothing is pushed.
        case pull
        /// Both.
        case both

        public var pushes: Bool { self != .pull }
        public var pulls: Bool { self != .push }
    }
}
