import Foundation
import Yams

/// Walks the composed YAML tree once, collecting every problem instead of stopping at the first.
///
/// Getters return nil when a key is absent *or* invalid (the problem is then recorded), so the
/// section decoders read as "value ?? default" and carry on; the loader throws if anything was
/// recorded. Messages name values only through `Node.valueDescription`, which secret keys never use.
///
/// Public so that what plugs into the file (each provider's `providers.<name>` section) reads
/// its keys with the same rules and messages as the rest of the file.
public final class ConfigDecoder {
    private(set) var issues: [ConfigIssue] = []
    /// The process environment (injectable for tests): `*_env` secrets and `$CREDENTIALS_DIRECTORY`.
    let environment: [String: String]
    /// Directory of the config file: relative paths are resolved against it.
    let configDirectory: String

    /// The providers the file may configure (`providers.<name>`), in registration order.
    let providers: [any ProviderConfigSchema.Type]
    /// The kinds `source.kind` may name, in registration order.
    let sources: [any SourceConfigSchema.Type]

    init(
        environment: [String: String], configDirectory: String, providers: [any ProviderConfigSchema.Type],
        sources: [any SourceConfigSchema.Type]
    ) {
        self.environment = environment
        self.configDirectory = configDirectory
        self.providers = providers
        self.sources = sources
    }

    // MARK: Reporting

    public func report(_ key: String, line: Int?, _ message: String) {
        issues.append(ConfigIssue(key: key, line: line, message: message))
    }

    public func report(_ section: ConfigSection, _ name: String, _ message: String) {
        report(section.key(name), line: section.line(name), message)
    }

    public func reportMissing(_ section: ConfigSection, _ name: String, _ hint: String? = nil) {
        let message = "required key is missing" + (hint.map { " (\($0))" } ?? "")
        report(section.key(name), line: section.line, message)
    }

    // MARK: Mappings

    /// `node` as a section with the keys in `known`; unknown keys are reported (with a suggestion
    /// when a known key is close). nil without a report when the node is absent or null.
    func section(_ node: Node?, path: String, keyLine: Int?, known: [String]) -> ConfigSection? {
        guard let node, !node.isNull else { return nil }
        guard case let .mapping(mapping) = node else {
            report(path, line: node.mark?.line ?? keyLine, "expected a mapping of keys, got \(node.valueDescription)")
            return nil
        }
        var entries: [String: ConfigSection.Entry] = [:]
        for (keyNode, value) in mapping {
            guard case let .scalar(keyScalar) = keyNode else {
                report(path, line: keyNode.mark?.line, "keys must be plain names, got \(keyNode.valueDescription)")
                continue
            }
            let name = keyScalar.string
            let dotted = path.isEmpty ? name : "\(path).\(name)"
            guard known.contains(name) else {
                var message = "unknown key"
                if let suggestion = EditDistance.suggestion(for: name, among: known) {
                    message += " (did you mean \"\(suggestion)\"?)"
                } else {
                    let list = known.joined(separator: ", ")
                    message += path.isEmpty ? " (sections are: \(list))" : " (known keys here: \(list))"
                }
                report(dotted, line: keyNode.mark?.line, message)
                continue
            }
            entries[name] = ConfigSection.Entry(node: value, keyLine: keyNode.mark?.line)
        }
        // The top level has no line of its own: a missing section is reported without one.
        return ConfigSection(path: path, line: keyLine ?? (path.isEmpty ? nil : node.mark?.line), entries: entries)
    }

    /// The child mapping `name` of `parent`; nil when absent, null or invalid.
    public func section(in parent: ConfigSection, _ name: String, known: [String]) -> ConfigSection? {
        section(parent.entries[name]?.node, path: parent.key(name), keyLine: parent.entries[name]?.keyLine, known: known)
    }

    /// Like `section(in:_:known:)`, and a missing one is reported. An empty mapping is returned
    /// for a null value so that its required keys are reported by name.
    func requiredSection(in parent: ConfigSection, _ name: String, known: [String]) -> ConfigSection? {
        guard let entry = parent.entries[name] else {
            reportMissing(parent, name)
            return nil
        }
        if entry.node.isNull {
            return ConfigSection(path: parent.key(name), line: entry.keyLine ?? entry.node.mark?.line, entries: [:])
        }
        return section(in: parent, name, known: known)
    }

    // MARK: Scalars

    /// Any scalar as text (`key_id: 12345` is the text "12345"). Empty text is refused.
    /// Safe for secrets: a scalar is never echoed (only mappings and lists are refused, by kind).
    public func text(_ section: ConfigSection, _ name: String) -> String? {
        guard let node = section.value(name) else { return nil }
        guard case let .scalar(scalar) = node else {
            report(section, name, "expected a text value, got \(node.valueDescription)")
            return nil
        }
        guard !scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            report(section, name, "must not be empty (remove the key or write ~ to leave it unset)")
            return nil
        }
        return scalar.string
    }

    public func requiredText(_ section: ConfigSection, _ name: String, hint: String? = nil) -> String? {
        guard section.has(name) else {
            if section.entries[name] != nil {
                report(section, name, "required, got null" + (hint.map { " (\($0))" } ?? ""))
            } else {
                reportMissing(section, name, hint)
            }
            return nil
        }
        return text(section, name)
    }

    /// A filesystem path, absolute after resolution against the config file's directory.
    public func path(_ section: ConfigSection, _ name: String) -> String? {
        text(section, name).map { PathResolution.absolute($0, against: configDirectory) }
    }

    public func requiredPath(_ section: ConfigSection, _ name: String) -> String? {
        requiredText(section, name).map { PathResolution.absolute($0, against: configDirectory) }
    }

    /// An integer in `range`; `expected` reads "a positive integer", "an integer from 1 to 64", ...
    public func integer(_ section: ConfigSection, _ name: String, in range: ClosedRange<Int>, expected: String) -> Int? {
        guard let node = section.value(name) else { return nil }
        let number: Int?
        switch node.tagName {
        case .int: number = node.int
        case .str: number = node.string.flatMap { $0.allSatisfy(\.isASCII) ? Int($0) : nil }
        default: number = nil
        }
        guard let number, range.contains(number) else {
            report(section, name, "expected \(expected), got \(node.valueDescription)")
            return nil
        }
        return number
    }

    /// `true` or `false` (YAML also reads yes/no/on/off).
    public func flag(_ section: ConfigSection, _ name: String) -> Bool? {
        guard let node = section.value(name) else { return nil }
        if node.tagName == .bool, let value = node.bool { return value }
        if node.tagName == .str, let text = node.string?.lowercased(), text == "true" || text == "false" {
            return text == "true"
        }
        report(section, name, "expected true or false, got \(node.valueDescription)")
        return nil
    }

    /// A duration (`250ms`, `30s`, `5m`, `1h`, `1h30m`); zero only when `allowZero`.
    public func duration(_ section: ConfigSection, _ name: String, allowZero: Bool = false) -> Duration? {
        guard let node = section.value(name) else { return nil }
        guard case let .scalar(scalar) = node else {
            report(section, name, "expected a duration such as \(DurationSyntax.examples), got \(node.valueDescription)")
            return nil
        }
        let got = node.valueDescription
        switch DurationSyntax.parse(scalar.string) {
        case let .success(duration):
            if duration == .zero, !allowZero {
                report(section, name, "must be greater than zero, got \(got)")
                return nil
            }
            return duration
        case .failure(.negative):
            report(section, name, "must not be negative, got \(got)")
        case .failure(.missingUnit):
            report(section, name, "missing a unit (\(DurationSyntax.unitList)), e.g. \(scalar.string)s; got \(got)")
        case let .failure(.unknownUnit(unit)):
            report(section, name, "unknown unit \"\(unit)\" (use \(DurationSyntax.unitList)), got \(got)")
        case .failure(.tooLarge):
            report(section, name, "duration too large, got \(got)")
        case .failure(.empty), .failure(.malformed):
            report(section, name, "expected a duration such as \(DurationSyntax.examples), got \(got)")
        }
        return nil
    }

    /// One of the enum's raw values; the message lists them all.
    public func choice<Choice: RawRepresentable & CaseIterable>(
        _ section: ConfigSection, _ name: String, as type: Choice.Type
    ) -> Choice? where Choice.RawValue == String {
        guard let node = section.value(name) else { return nil }
        if case let .scalar(scalar) = node, let value = Choice(rawValue: scalar.string) {
            return value
        }
        let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        report(section, name, "expected one of \(allowed); got \(node.valueDescription)")
        return nil
    }
}

extension ConfigDecoder {
    /// A single character, such as a delimiter; anything else (or a character `allowed`
    /// refuses) is reported with `expected` and the value written.
    public func character(
        _ section: ConfigSection, _ name: String, expected: String, allowed: (Character) -> Bool
    ) -> Character? {
        guard let node = section.value(name) else { return nil }
        guard case let .scalar(scalar) = node, scalar.string.count == 1, let character = scalar.string.first,
              allowed(character)
        else {
            report(section, name, "expected \(expected), got \(node.valueDescription)")
            return nil
        }
        return character
    }
}
