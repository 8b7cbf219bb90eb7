import Foundation
import Yams

/// `providers`: perform.chat and CommBox; at least one enabled.
extension ConfigDecoder {
    static let performChatKeys = [
        "enabled", "base_url",
        "key_id", "key_id_env", "key_id_file",
        "key_secret", "key_secret_env", "key_secret_file",
        "requests_per_minute", "concurrency", "timeout", "auth_probe_interval",
        "missing_recheck_interval", "create_missing", "agent_id",
    ]
    static let commBoxKeys = [
        "enabled", "base_url",
        "token", "token_env", "token_file",
        "requests_per_minute", "concurrency", "timeout", "auth_probe_interval",
        "missing_recheck_interval", "stream_provider_type", "pull_budget", "content",
    ]

    func decodeProviders(_ top: ConfigSection) -> Config.ProvidersSettings? {
        guard let providers = requiredSection(in: top, "providers", known: ["performchat", "commbox"]) else {
            return nil
        }
        let performChatSection = section(in: providers, "performchat", known: Self.performChatKeys)
        let commBoxSection = section(in: providers, "commbox", known: Self.commBoxKeys)
        let performChatState = performChatSection.map(enablement) ?? .disabled
        let commBoxState = commBoxSection.map(enablement) ?? .disabled
        if performChatState == .disabled, commBoxState == .disabled {
            report("providers", line: providers.line, "no provider is enabled: configure providers.performchat "
                + "or providers.commbox (or both) with enabled: true")
        }
        var settings = Config.ProvidersSettings()
        if performChatState == .enabled, let performChatSection {
            settings.performChat = decodePerformChat(performChatSection)
        }
        if commBoxState == .enabled, let commBoxSection {
            settings.commBox = decodeCommBox(commBoxSection)
        }
        return settings
    }

    private enum Enablement {
        case enabled
        case disabled
        /// `enabled` is not a boolean (already reported): the rest is not checked, to avoid
        /// a cascade of follow-on errors.
        case unknown
    }

    /// `enabled` defaults to true when the provider's section is present. A disabled provider's
    /// other keys are checked for typos only.
    private func enablement(_ section: ConfigSection) -> Enablement {
        guard section.has("enabled") else { return .enabled }
        guard let enabled = flag(section, "enabled") else { return .unknown }
        return enabled ? .enabled : .disabled
    }

    private func decodePerformChat(_ section: ConfigSection) -> Config.PerformChatSettings? {
        let baseURL = baseURL(section) ?? Config.PerformChatSettings.defaultBaseURL
        let keyID = secretValue(section, "key_id")
        let keySecret = secretValue(section, "key_secret")
        var settings = Config.PerformChatSettings(
            baseURL: baseURL, keyID: keyID?.value ?? "", keySecret: Config.Secret("", origin: .inline)
        )
        settings.requestsPerMinute = requestsPerMinute(section) ?? settings.requestsPerMinute
        settings.concurrency = concurrency(section) ?? settings.concurrency
        settings.timeout = duration(section, "timeout") ?? settings.timeout
        settings.authProbeInterval = duration(section, "auth_probe_interval") ?? settings.authProbeInterval
        settings.missingRecheckInterval = duration(section, "missing_recheck_interval") ?? settings.missingRecheckInterval
        settings.createMissing = flag(section, "create_missing") ?? settings.createMissing
        settings.agentID = text(section, "agent_id")
        if settings.createMissing, !section.has("agent_id") {
            report(section.key("agent_id"), line: section.line("create_missing"),
                   "required when create_missing is true (users are created through token generation for this agent)")
        }
        guard let keyID, let keySecret else { return nil }
        settings.keyID = keyID.value
        settings.keySecret = Config.Secret(keySecret.value, origin: keySecret.origin)
        return settings
    }

    private func decodeCommBox(_ section: ConfigSection) -> Config.CommBoxSettings? {
        let baseURL = baseURL(section) ?? Config.CommBoxSettings.defaultBaseURL
        let token = secretValue(section, "token")
        var settings = Config.CommBoxSettings(baseURL: baseURL, token: Config.Secret("", origin: .inline))
        settings.requestsPerMinute = requestsPerMinute(section) ?? settings.requestsPerMinute
        settings.concurrency = concurrency(section) ?? settings.concurrency
        settings.timeout = duration(section, "timeout") ?? settings.timeout
        settings.authProbeInterval = duration(section, "auth_probe_interval") ?? settings.authProbeInterval
        settings.missingRecheckInterval = duration(section, "missing_recheck_interval") ?? settings.missingRecheckInterval
        settings.streamProviderType = integer(
            section, "stream_provider_type", in: 0...Int.max, expected: "a non-negative integer"
        ) ?? settings.streamProviderType
        settings.pullBudget = integer(
            section, "pull_budget", in: 0...Int.max, expected: "a non-negative integer (0 = never pull)"
        ) ?? settings.pullBudget
        settings.content = decodeContent(section)
        guard let token else { return nil }
        settings.token = Config.Secret(token.value, origin: token.origin)
        return settings
    }

    private func requestsPerMinute(_ section: ConfigSection) -> Int? {
        integer(section, "requests_per_minute", in: 1...Int.max, expected: "a positive integer")
    }

    private func concurrency(_ section: ConfigSection) -> Int? {
        integer(section, "concurrency", in: 1...64, expected: "an integer from 1 to 64")
    }

    private func baseURL(_ section: ConfigSection) -> URL? {
        guard let node = section.value("base_url") else { return nil }
        guard case let .scalar(scalar) = node else {
            report(section, "base_url", "expected an https URL, got \(node.valueDescription)")
            return nil
        }
        switch BaseURLRule.validate(scalar.string) {
        case let .success(url):
            return url
        case .failure(.hasCredentials):
            report(section, "base_url", "must not contain a user or password; credentials go in the provider's secret keys")
        case .failure(.httpsRequired):
            report(section, "base_url", "HTTPS is required for non-loopback hosts, got \(node.valueDescription)")
        case .failure(.unsupportedScheme):
            report(section, "base_url", "expected an http or https URL, got \(node.valueDescription)")
        case .failure(.hasQueryOrFragment):
            // Not echoed: a query string may carry a token.
            report(section, "base_url", "must not have a query (?...) or fragment (#...)")
        case .failure(.notAbsoluteURL):
            report(section, "base_url", "expected an absolute URL such as https://api.example.com/path, "
                + "got \(node.valueDescription)")
        }
        return nil
    }

    /// `content`: metadata key → CommBox custom field unique name.
    private func decodeContent(_ section: ConfigSection) -> [String: String] {
        guard let node = section.value("content") else { return [:] }
        let key = section.key("content")
        guard case let .mapping(mapping) = node else {
            report(section, "content", "expected a mapping of metadata key to CommBox custom field name, "
                + "got \(node.valueDescription)")
            return [:]
        }
        var content: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard case let .scalar(keyScalar) = keyNode, !keyScalar.string.isEmpty else {
                report(key, line: keyNode.mark?.line, "keys must be metadata key names, got \(keyNode.valueDescription)")
                continue
            }
            let entryKey = "\(key).\(keyScalar.string)"
            guard case let .scalar(valueScalar) = value, !value.isNull,
                  !valueScalar.string.trimmingCharacters(in: .whitespaces).isEmpty
            else {
                report(entryKey, line: value.mark?.line ?? keyNode.mark?.line,
                       "expected the CommBox custom field's unique name, got \(value.valueDescription)")
                continue
            }
            content[keyScalar.string] = valueScalar.string
        }
        return content
    }
}
