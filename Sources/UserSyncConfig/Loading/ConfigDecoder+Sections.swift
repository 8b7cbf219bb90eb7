import Foundation
import UserSyncCore
import Yams

/// The top level and the small sections: state, sync, retry, log, metrics.
extension ConfigDecoder {
    typealias Config = UserSyncConfiguration

    static let topLevelKeys = ["state", "source", "sync", "retry", "providers", "log", "metrics"]

    /// The whole configuration, or nil when something required could not be read (the problems
    /// are in `issues`; a non-nil result may still come with issues).
    func decodeConfiguration(_ root: Node?) -> UserSyncConfiguration? {
        guard let root, !root.isNull else {
            report("", line: nil, "the file is empty; start from config/usersync.example.yaml")
            return nil
        }
        guard let top = section(root, path: "", keyLine: nil, known: Self.topLevelKeys) else { return nil }
        let state = decodeState(requiredSection(in: top, "state", known: ["path"]))
        let source = decodeSource(
            requiredSection(in: top, "source", known: sourceKeys),
            statePath: state?.path
        )
        let sync = decodeSync(section(in: top, "sync", known: Self.syncKeys))
        let retry = decodeRetry(section(in: top, "retry", known: Self.retryKeys))
        let providers = decodeProviders(top)
        let log = decodeLog(section(in: top, "log", known: ["level", "format", "show_pii"]))
        let metrics = decodeMetrics(section(in: top, "metrics", known: ["listen"]))
        guard let state, let source, let providers else { return nil }
        return UserSyncConfiguration(
            state: state, source: source, sync: sync, retry: retry,
            providers: providers, log: log, metrics: metrics
        )
    }

    func decodeState(_ section: ConfigSection?) -> Config.StateSettings? {
        guard let section, let path = requiredPath(section, "path") else { return nil }
        if let problem = StatePathRule.problem(with: path) { report(section, "path", problem) }
        return Config.StateSettings(path: path)
    }

    static let syncKeys = [
        "interval", "direction", "conflict_policy", "deletions", "pull_interval", "shutdown_timeout", "guard",
    ]

    static let guardKeys = ["max_changed", "max_cleared", "min_users"]

    func decodeSync(_ section: ConfigSection?) -> Config.SyncSettings {
        var sync = Config.SyncSettings()
        guard let section else { return sync }
        sync.interval = duration(section, "interval") ?? sync.interval
        sync.direction = choice(section, "direction", as: Config.SyncDirection.self) ?? sync.direction
        sync.conflictPolicy = choice(section, "conflict_policy", as: ConflictPolicy.self) ?? sync.conflictPolicy
        sync.deletions = choice(section, "deletions", as: DeletionPolicy.self) ?? sync.deletions
        sync.pullInterval = duration(section, "pull_interval") ?? sync.pullInterval
        sync.shutdownTimeout = duration(section, "shutdown_timeout", allowZero: true) ?? sync.shutdownTimeout
        if let limits = self.section(in: section, "guard", known: Self.guardKeys) {
            sync.massChange.maxChanged = share(limits, "max_changed") ?? sync.massChange.maxChanged
            sync.massChange.maxCleared = share(limits, "max_cleared") ?? sync.massChange.maxCleared
            sync.massChange.minUsers = integer(limits, "min_users", in: 0...Int.max, expected: "a non-negative whole number of users")
                ?? sync.massChange.minUsers
        }
        return sync
    }

    /// A share written as a percentage (`10%`, `2.5%`), from 0% to 100%; as a fraction.
    func share(_ section: ConfigSection, _ name: String) -> Double? {
        guard let node = section.value(name) else { return nil }
        if case let .scalar(scalar) = node {
            var text = scalar.string.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("%") {
                text.removeLast()
                if let percent = Double(text.trimmingCharacters(in: .whitespaces)), percent.isFinite, (0...100).contains(percent) {
                    return percent / 100
                }
            }
        }
        report(section, name, "expected a percentage from 0% to 100% such as 10% or 2.5%, got \(node.valueDescription)")
        return nil
    }

    static let retryKeys = ["base_delay", "max_delay", "max_attempts", "max_age", "open_after"]

    func decodeRetry(_ section: ConfigSection?) -> Config.RetrySettings {
        var retry = Config.RetrySettings()
        guard let section else { return retry }
        retry.baseDelay = duration(section, "base_delay") ?? retry.baseDelay
        retry.maxDelay = duration(section, "max_delay") ?? retry.maxDelay
        if let attempts = integer(
            section, "max_attempts", in: 0...Int.max, expected: "a non-negative integer (0 = unlimited)"
        ) {
            retry.maxAttempts = attempts == 0 ? nil : attempts
        }
        if let age = duration(section, "max_age", allowZero: true) {
            retry.maxAge = age == .zero ? nil : age
        }
        if let openAfter = integer(section, "open_after", in: 1...1000, expected: "a whole number of failures from 1 to 1000") {
            retry.openAfter = openAfter
        }
        if retry.maxDelay < retry.baseDelay {
            let maxDelay = DurationSyntax.format(retry.maxDelay)
            let baseDelay = DurationSyntax.format(retry.baseDelay)
            if section.has("max_delay") {
                report(section, "max_delay", "must not be shorter than retry.base_delay (\(baseDelay)), got \(maxDelay)")
            } else {
                report(section, "base_delay", "must not be longer than retry.max_delay (\(maxDelay)), got \(baseDelay)")
            }
        }
        if retry.maxAttempts == nil, retry.maxAge == nil {
            report(section, "max_age", "0s (no age limit) together with max_attempts: 0 (unlimited) would retry "
                + "a failing change forever; set a positive max_age such as 24h, or a max_attempts")
        }
        return retry
    }

    func decodeLog(_ section: ConfigSection?) -> Config.LogSettings {
        var log = Config.LogSettings()
        guard let section else { return log }
        log.level = choice(section, "level", as: Config.LogLevel.self) ?? log.level
        log.format = choice(section, "format", as: Config.LogFormat.self) ?? log.format
        log.showPII = flag(section, "show_pii") ?? log.showPII
        return log
    }

    func decodeMetrics(_ section: ConfigSection?) -> Config.MetricsSettings {
        var metrics = Config.MetricsSettings()
        guard let section, let node = section.value("listen") else { return metrics }
        guard case let .scalar(scalar) = node, let address = ListenAddressSyntax.parse(scalar.string) else {
            report(section, "listen", "expected host:port such as 127.0.0.1:9464 or [::1]:9464 "
                + "(or ~ for no metrics), got \(node.valueDescription)")
            return metrics
        }
        metrics.listen = address
        return metrics
    }
}
