import Yams

/// Writes block-style YAML line by line, so that values can carry comments. Public so that
/// each provider renders its own keys (`ProviderSettings.renderOwnKeys`).
public struct YAMLWriter {
    public private(set) var text = ""
    private var depth = 0

    public mutating func comment(_ comment: String) {
        line("# \(comment)")
    }

    public mutating func open(_ key: String) {
        line("\(key):")
        depth += 1
    }

    public mutating func close() {
        depth -= 1
    }

    /// `key: value`, where `value` is already YAML (use `quoted` for text).
    public mutating func field(_ key: String, _ value: String, comment: String? = nil) {
        line("\(key): \(value)" + (comment.map { "  # \($0)" } ?? ""))
    }

    /// A secret: `<redacted>`, with where it came from.
    public mutating func secret(_ key: String, _ secret: UserSyncConfiguration.Secret) {
        field(key, "<redacted>", comment: "from \(secret.origin)")
    }

    /// A duration as the file writes it (`30s`, `5m`).
    public mutating func field(_ key: String, _ duration: Duration) {
        field(key, DurationSyntax.format(duration))
    }

    /// A mapping of names to names, in key order; `{}` when empty.
    public mutating func nameMap(_ key: String, _ map: [String: String]) {
        guard !map.isEmpty else { return field(key, "{}") }
        open(key)
        for name in map.keys.sorted() {
            field(Self.quoted(name), Self.quoted(map[name] ?? ""))
        }
        close()
    }

    private mutating func line(_ content: String) {
        text += String(repeating: "  ", count: depth) + content + "\n"
    }

    /// `text` as a YAML scalar that reads back as exactly this string: plain when that is
    /// unambiguous, else double-quoted with escapes.
    public static func quoted(_ text: String, force: Bool = false) -> String {
        if !force, isSafePlain(text) { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16, uppercase: true)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func isSafePlain(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first,
              first.properties.isAlphabetic || ("0"..."9").contains(first) || first == "/" || first == "_" || first == "."
        else { return false }
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            let isWordLike = scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || "_./@+-=".unicodeScalars.contains(scalar)
            if isWordLike { continue }
            // A colon is plain only inside a word (`https://`), never before a space or at the end.
            if scalar == ":", index + 1 < scalars.count, scalars[index + 1] != " " { continue }
            return false
        }
        return Resolver.default.resolveTag(of: Node(text)) == .str
    }
}
