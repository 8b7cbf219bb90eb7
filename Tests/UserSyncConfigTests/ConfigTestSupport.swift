import Foundation
import Testing
import UserSyncProviders
import UserSyncSources
@testable import UserSyncConfig

/// Helpers shared by the config tests.
enum ConfigFixture {
    static let fileName = "/etc/usersync/usersync.yaml"
    static let performChatSecret = "pc-s3cr3t-VALUE"
    static let commBoxToken = "cb-t0ken-VALUE"

    /// A valid file: both providers enabled with inline secrets.
    static let valid = """
        state:
          path: /var/lib/usersync/state.db
        source:
          kind: jsonl
          path: /srv/app/users.jsonl
          fields:
            external_id: id
            name: name
            email: email
        providers:
          performchat:
            key_id: key-123
            key_secret: \(performChatSecret)
          commbox:
            token: \(commBoxToken)
        """

    /// `valid` with `replacement` substituted for `original` (which must occur).
    static func valid(replacing original: String, with replacement: String) -> String {
        precondition(valid.contains(original), "fixture does not contain \(original)")
        return valid.replacingOccurrences(of: original, with: replacement)
    }

    static func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> UserSyncConfiguration {
        try ConfigLoader.parse(yaml: yaml, fileName: fileName, environment: environment, providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
    }

    /// The error parsing `yaml` throws; records a test failure when it parses.
    static func error(
        _ yaml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigError {
        do {
            _ = try parse(yaml, environment: environment)
            Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
            return ConfigError(file: fileName, issues: [])
        } catch {
            return error
        }
    }

    /// 1-based line of the first line containing `needle`.
    static func line(of needle: String, in yaml: String) -> Int {
        let lines = yaml.components(separatedBy: "\n")
        guard let index = lines.firstIndex(where: { $0.contains(needle) }) else {
            preconditionFailure("\(needle) not in the YAML")
        }
        return index + 1
    }

    /// A fresh temporary directory, removed by the caller with `removeDirectory`.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "usersync-config-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
