import Foundation
import Yams

/// One YAML mapping of the config file, seen under its dotted path (`providers.commbox`).
/// Read through `ConfigDecoder`, which reports problems with the dotted key and file line.
public struct ConfigSection {
    struct Entry {
        let node: Node
        let keyLine: Int?
    }

    /// Dotted path of this mapping; empty for the top level.
    public let path: String
    /// Line of the key that opened this mapping (or of the mapping itself).
    public let line: Int?
    let entries: [String: Entry]

    /// The dotted key of a child: `providers.commbox` + `token` → `providers.commbox.token`.
    public func key(_ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }

    /// The child's value, or nil when the key is absent or null (`~`): null means "not set".
    func value(_ name: String) -> Node? {
        guard let node = entries[name]?.node, !node.isNull else { return nil }
        return node
    }

    /// True when the key is written with a non-null value.
    public func has(_ name: String) -> Bool {
        value(name) != nil
    }

    /// Best line for a problem with a child: its value, else its key, else this mapping.
    public func line(_ name: String) -> Int? {
        guard let entry = entries[name] else { return line }
        return entry.node.mark?.line ?? entry.keyLine ?? line
    }
}

extension Node {
    /// The resolved tag (`tag:yaml.org,2002:int`, ...): plain `7` is an int, quoted `"7"` a string.
    var tagName: Tag.Name {
        Tag.Name(rawValue: tag.rawValue)
    }

    /// A plain `~`/`null` scalar (or an empty value, which YAML reads as null).
    var isNull: Bool {
        guard case let .scalar(scalar) = self else { return false }
        return tagName == .null && scalar.style != .singleQuoted && scalar.style != .doubleQuoted
    }

    /// How a value is named in an error: `"fast"`, `12`, `a mapping`, `a list`.
    /// Never call it on a secret.
    var valueDescription: String {
        switch self {
        case let .scalar(scalar):
            if isNull { return "null" }
            if tagName == .str {
                let text = scalar.string
                let shown = text.count > 60 ? String(text.prefix(57)) + "..." : text
                return "\"" + shown.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n") + "\""
            }
            return scalar.string
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
