import Foundation

/// Credentials: each one written in exactly one of three ways.
///
/// - inline: `token: "..."`
/// - environment: `token_env: COMMBOX_TOKEN`
/// - file: `token_file: commbox-token` — a relative path is resolved against
///   `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`) when set, else against the config
///   file's directory; trailing line breaks are trimmed.
///
/// Messages name keys, variables and paths, never the value.
extension ConfigDecoder {
    struct ResolvedSecret {
        let value: String
        let origin: UserSyncConfiguration.Secret.Origin
    }

    /// A credential written in one of the three ways; nil (reported) when none or several are.
    public func secret(_ section: ConfigSection, _ name: String) -> UserSyncConfiguration.Secret? {
        secretValue(section, name).map { UserSyncConfiguration.Secret($0.value, origin: $0.origin) }
    }

    func secretValue(_ section: ConfigSection, _ name: String) -> ResolvedSecret? {
        let ways = [name, "\(name)_env", "\(name)_file"]
        let given = ways.filter { section.has($0) }
        guard let way = given.first else {
            let nulls = ways.filter { section.entries[$0] != nil }
            let line = nulls.first.map { section.line($0) } ?? section.line
            report(section.key(name), line: line, "required: set \(name) (inline), \(name)_env "
                + "(an environment variable name) or \(name)_file (a file, relative to $CREDENTIALS_DIRECTORY)")
            return nil
        }
        if given.count > 1 {
            report(section.key(name), line: section.line(given[1]),
                   "set in more than one way (\(given.joined(separator: ", "))); keep exactly one of \(ways.joined(separator: ", "))")
            return nil
        }
        switch way {
        case name:
            guard let value = text(section, name) else { return nil }
            return ResolvedSecret(value: value, origin: .inline)
        case "\(name)_env":
            return secretFromEnvironment(section, way)
        default:
            return secretFromFile(section, way)
        }
    }

    private func secretFromEnvironment(_ section: ConfigSection, _ key: String) -> ResolvedSecret? {
        guard let variable = text(section, key)?.trimmingCharacters(in: .whitespaces) else { return nil }
        guard let value = environment[variable] else {
            report(section, key, "environment variable \(variable) is not set")
            return nil
        }
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            report(section, key, "environment variable \(variable) is empty")
            return nil
        }
        return ResolvedSecret(value: value, origin: .environment(variable: variable))
    }

    private func secretFromFile(_ section: ConfigSection, _ key: String) -> ResolvedSecret? {
        guard let given = text(section, key) else { return nil }
        let credentialsDirectory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        let path = PathResolution.absolute(given, against: credentialsDirectory ?? configDirectory)
        let value: String
        switch SecretFile.read(path) {
        case let .success(contents):
            value = contents
        case let .failure(reason):
            report(section, key, "cannot read \(path): \(reason)")
            return nil
        }
        var trimmed = Substring(value)
        while let last = trimmed.last, last == "\n" || last == "\r\n" || last == "\r" { trimmed.removeLast() }
        guard !trimmed.trimmingCharacters(in: .whitespaces).isEmpty else {
            report(section, key, "file \(path) is empty")
            return nil
        }
        return ResolvedSecret(value: String(trimmed), origin: .file(path: path))
    }
}

/// Reads a small credential file, explaining a failure without ever quoting the contents.
public enum SecretFile {
    public static func read(_ path: String) -> Result<String, SecretFileFailure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(.missing)
        }
        if isDirectory.boolValue { return .failure(.directory) }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.unreadable) }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(.notUTF8) }
        return .success(text)
    }
}

public enum SecretFileFailure: Error, CustomStringConvertible {
    case missing
    case directory
    case unreadable
    case notUTF8

    public var description: String {
        switch self {
        case .missing: "no such file"
        case .directory: "it is a directory"
        case .unreadable: "permission denied (the file must be readable by the service user)"
        case .notUTF8: "not UTF-8 text"
        }
    }
}
