import Foundation

extension UserSyncConfiguration {
    /// `providers`: at least one of the two is enabled.
    public struct ProvidersSettings: Sendable, Equatable {
        /// `providers.performchat`; nil when the section is absent or `enabled: false`.
        public var performChat: PerformChatSettings?
        /// `providers.commbox`; nil when the section is absent or `enabled: false`.
        public var commBox: CommBoxSettings?

        public init(performChat: PerformChatSettings? = nil, commBox: CommBoxSettings? = nil) {
            self.performChat = performChat
            self.commBox = commBox
        }
    }

    /// `providers.performchat` (enabled).
    public struct PerformChatSettings: Sendable, Equatable {
        public static let defaultBaseURL = URL(string: "https://api.perform.chat/rest/v1")!

        /// `base_url`: absolute, http(s), no trailing slash (default `https://api.perform.chat/rest/v1`).
        public var baseURL: URL
        /// `key_id` (or `key_id_env` / `key_id_file`): public, safe to log.
        public var keyID: String
        /// `key_secret` (or `key_secret_env` / `key_secret_file`).
        public var keySecret: Secret
        /// `requests_per_minute` (default 900).
        public var requestsPerMinute: Int
        /// `concurrency`: requests in flight, 1...64 (default 4).
        public var concurrency: Int
        /// `timeout`: per request (default 30s).
        public var timeout: Duration
        /// `auth_probe_interval`: after a 401/403, how often to try again (default 5m).
        public var authProbeInterval: Duration
        /// `missing_recheck_interval`: how often users the provider does not have yet (parked)
        /// are looked up again (default 10m).
        public var missingRecheckInterval: Duration
        /// `create_missing`: create absent users through token generation (default false).
        public var createMissing: Bool
        /// `agent_id`: required when `createMissing` is true.
        public var agentID: String?

        public init(
            baseURL: URL = PerformChatSettings.defaultBaseURL,
            keyID: String,
            keySecret: Secret,
            requestsPerMinute: Int = 900,
            concurrency: Int = 4,
            timeout: Duration = .seconds(30),
            authProbeInterval: Duration = .seconds(300),
            missingRecheckInterval: Duration = .seconds(600),
            createMissing: Bool = false,
            agentID: String? = nil
        ) {
            self.baseURL = baseURL
            self.keyID = keyID
            self.keySecret = keySecret
            self.requestsPerMinute = requestsPerMinute
            self.concurrency = concurrency
            self.timeout = timeout
            self.authProbeInterval = authProbeInterval
            self.missingRecheckInterval = missingRecheckInterval
            self.createMissing = createMissing
            self.agentID = agentID
        }
    }

    /// `providers.commbox` (enabled).
    public struct CommBoxSettings: Sendable, Equatable {
        public static let defaultBaseURL = URL(string: "https://api.commbox.io")!

        /// `base_url`: absolute, http(s), no trailing slash (default `https://api.commbox.io`).
        public var baseURL: URL
        /// `token` (or `token_env` / `token_file`): the API bearer token.
        public var token: Secret
        /// `requests_per_minute` (default 300).
        public var requestsPerMinute: Int
        /// `concurrency`: requests in flight, 1...64 (default 4).
        public var concurrency: Int
        /// `timeout`: per request (default 30s).
        public var timeout: Duration
        /// `auth_probe_interval`: after a 401/403, how often to try again (default 5m).
        public var authProbeInterval: Duration
        /// `missing_recheck_interval`: how often users not found at CommBox (parked) are looked
        /// up again (default 10m).
        public var missingRecheckInterval: Duration
        /// `stream_provider_type`: identity type used to look users up by e-mail (default 4).
        public var streamProviderType: Int
        /// `pull_budget`: at most this many `GET /users/{id}` per pull; 0 = never pull (default 100).
        public var pullBudget: Int
        /// `content`: metadata key → CommBox custom field unique name (default empty).
        public var content: [String: String]

        public init(
            baseURL: URL = CommBoxSettings.defaultBaseURL,
            token: Secret,
            requestsPerMinute: Int = 300,
            concurrency: Int = 4,
            timeout: Duration = .seconds(30),
            authProbeInterval: Duration = .seconds(300),
            missingRecheckInterval: Duration = .seconds(600),
            streamProviderType: Int = 4,
            pullBudget: Int = 100,
            content: [String: String] = [:]
        ) {
            self.baseURL = baseURL
            self.token = token
            self.requestsPerMinute = requestsPerMinute
            self.concurrency = concurrency
            self.timeout = timeout
            self.authProbeInterval = authProbeInterval
            self.missingRecheckInterval = missingRecheckInterval
            self.streamProviderType = streamProviderType
            self.pullBudget = pullBudget
            self.content = content
        }
    }
}
