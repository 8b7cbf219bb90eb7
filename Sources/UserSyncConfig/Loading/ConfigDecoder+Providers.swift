import Foundation
import Yams

/// `providers`: one section per registered provider, at least one enabled. The shared keys
/// are read here; each provider's schema reads its credentials and its own keys.
extension ConfigDecoder {
    func decodeProviders(_ top: ConfigSection) -> Config.ProvidersSettings? {
        guard let section = requiredSection(in: top, "providers", known: providers.map { $0.id.rawValue }) else {
            return nil
        }
        var settings = Config.ProvidersSettings(registered: providers)
        var anyEnabled = false
        for schema in providers {
            guard let own = self.section(in: section, schema.id.rawValue, known: schema.knownKeys) else { continue }
            let state = enablement(own)
            anyEnabled = anyEnabled || state != .disabled
            guard state == .enabled, let decoded = decode(own, schema) else { continue }
            settings.enabled.append(.init(schema: schema, settings: decoded))
        }
        if !anyEnabled {
            report("providers", line: section.line, "no provider is enabled: configure \(Self.alternatives(providers)) with enabled: true")
        }
        return settings
    }

    /// `providers.performchat or providers.commbox (or both)`.
    private static func alternatives(_ providers: [any ProviderConfigSchema.Type]) -> String {
        let names = providers.map { "providers.\($0.id)" }
        guard names.count > 1 else { return names.first ?? "a provider" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last! + (names.count == 2 ? " (or both)" : " (or several)")
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

    /// The shared keys and the credentials, then the schema's own keys: in this order, so
    /// that problems on one line are reported as they always were.
    private func decode(_ section: ConfigSection, _ schema: any ProviderConfigSchema.Type) -> (any ProviderSettings)? {
        var common = schema.commonDefaults
        common.baseURL = baseURL(section) ?? common.baseURL
        var credentials: [String: Config.Secret] = [:]
        for key in schema.credentialKeys {
            credentials[key] = secret(section, key)
        }
        common.requestsPerMinute = requestsPerMinute(section) ?? common.requestsPerMinute
        common.concurrency = concurrency(section) ?? common.concurrency
        common.timeout = duration(section, "timeout") ?? common.timeout
        common.authProbeInterval = duration(section, "auth_probe_interval") ?? common.authProbeInterval
        common.missingRecheckInterval = duration(section, "missing_recheck_interval") ?? common.missingRecheckInterval
        return schema.decode(section, common: common, credentials: credentials, reader: self)
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

    /// A mapping of names to names (`content: {plan: Plan}`); empty when absent. For the
    /// messages: what the keys and the values name (`metadata key`, `CommBox custom field
    /// name`), and what one value should be (`the CommBox custom field's unique name`).
    public func nameMap(_ section: ConfigSection, _ name: String, keys: String, values: String, value expected: String) -> [String: String] {
        guard let node = section.value(name) else { return [:] }
        let key = section.key(name)
        guard case let .mapping(mapping) = node else {
            report(section, name, "expected a mapping of \(keys) to \(values), got \(node.valueDescription)")
            return [:]
        }
        var result: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard case let .scalar(keyScalar) = keyNode, !keyScalar.string.isEmpty else {
                report(key, line: keyNode.mark?.line, "keys must be \(keys) names, got \(keyNode.valueDescription)")
                continue
            }
            let entryKey = "\(key).\(keyScalar.string)"
            guard case let .scalar(valueScalar) = value, !value.isNull,
                  !valueScalar.string.trimmingCharacters(in: .whitespaces).isEmpty
            else {
                report(entryKey, line: value.mark?.line ?? keyNode.mark?.line, "expected \(expected), got \(value.valueDescription)")
                continue
            }
            result[keyScalar.string] = valueScalar.string
        }
        return result
    }
}
