import Foundation
import Yams

/// Reads `usersync.yaml` into a `UserSyncConfiguration`, or throws a `ConfigError` that lists
/// every problem found (`FILE:LINE: KEY: message`, one per line).
public enum ConfigLoader {
    /// Where the packaged service looks by default.
    public static let defaultPath = "/etc/usersync/usersync.yaml"

    /// Reads and validates the file at `path`.
    ///
    /// - Parameters:
    ///   - path: the config file; relative paths inside it are resolved against its directory.
    ///   - environment: the variables `*_env` secrets and `$CREDENTIALS_DIRECTORY` come from.
    ///   - providers: the providers the file may configure (`providers.<name>`), in order.
    ///   - sources: the source kinds `source.kind` may name, in order.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        providers: [any ProviderConfigSchema.Type],
        sources: [any SourceConfigSchema.Type]
    ) throws(ConfigError) -> UserSyncConfiguration {
        let yaml: String
        switch readConfigFile(path) {
        case let .success(text):
            yaml = text
        case let .failure(reason):
            throw ConfigError(file: path, issues: [ConfigIssue(key: "", line: nil, message: reason.message)])
        }
        return try parse(
            yaml: yaml, fileName: path, environment: environment,
            configDirectory: PathResolution.directory(of: path), providers: providers, sources: sources
        )
    }

    /// Validates YAML text as if it were the file `fileName`.
    ///
    /// - Parameters:
    ///   - fileName: used in messages, and (unless `configDirectory` is given) its directory
    ///     resolves relative paths.
    ///   - configDirectory: overrides the directory relative paths are resolved against.
    ///   - providers: the providers the file may configure (`providers.<name>`), in order.
    ///   - sources: the source kinds `source.kind` may name, in order.
    public static func parse(
        yaml: String,
        fileName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configDirectory: String? = nil,
        providers: [any ProviderConfigSchema.Type],
        sources: [any SourceConfigSchema.Type]
    ) throws(ConfigError) -> UserSyncConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(file: fileName, issues: [issue(fromYAMLError: error)])
        }
        let decoder = ConfigDecoder(
            environment: environment,
            configDirectory: configDirectory ?? PathResolution.directory(of: fileName),
            providers: providers,
            sources: sources
        )
        let configuration = decoder.decodeConfiguration(root)
        guard let configuration, decoder.issues.isEmpty else {
            var issues = decoder.issues
            if issues.isEmpty {
                issues = [ConfigIssue(key: "", line: nil, message: "the configuration is incomplete")]
            }
            throw ConfigError(file: fileName, issues: inFileOrder(issues))
        }
        return configuration
    }

    // MARK: - Helpers

    private struct ReadFailure: Error {
        let message: String
    }

    private static func readConfigFile(_ path: String) -> Result<String, ReadFailure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(ReadFailure(message: "cannot read the config file: no such file"))
        }
        if isDirectory.boolValue {
            return .failure(ReadFailure(message: "cannot read the config file: it is a directory"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ReadFailure(message: "cannot read the config file: permission denied (it must be readable by the service user)"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(ReadFailure(message: "cannot read the config file: not UTF-8 text"))
        }
        return .success(text)
    }

    /// Stable sort by line; problems without a line keep their order, after the others.
    private static func inFileOrder(_ issues: [ConfigIssue]) -> [ConfigIssue] {
        issues.enumerated().sorted { lhs, rhs in
            switch (lhs.element.line, rhs.element.line) {
            case let (left?, right?): left == right ? lhs.offset < rhs.offset : left < right
            case (.some, .none): true
            case (.none, .some): false
            case (.none, .none): lhs.offset < rhs.offset
            }
        }.map(\.element)
    }

    /// A syntax error as one issue. Yams' own description quotes the offending line, which could
    /// hold a secret: only the problem and its line are kept.
    private static func issue(fromYAMLError error: any Error) -> ConfigIssue {
        guard let yamlError = error as? YamlError else {
            return ConfigIssue(key: "", line: nil, message: "invalid YAML")
        }
        switch yamlError {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let context = context.map { " (\($0.text))" } ?? ""
            return ConfigIssue(key: "", line: mark.line, message: "invalid YAML: \(problem)\(context)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return ConfigIssue(key: "", line: context.mark.line, message: "invalid YAML: duplicate key \(keys)")
        case let .reader(problem, _, _, _):
            return ConfigIssue(key: "", line: nil, message: "invalid YAML: \(problem)")
        default:
            return ConfigIssue(key: "", line: nil, message: "invalid YAML")
        }
    }
}
