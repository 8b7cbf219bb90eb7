/// The identity of a source's content at one instant, persisted in the state database
/// between cycles. Equal fingerprints mean the source did not change, so a cycle may skip
/// reading it; unequal ones only mean it may have changed.
///
/// It is an opaque, versioned text (`v1;kind=jsonl;config=…;size=…;mtime=…;fnv1a64=…`):
/// compare fingerprints, never parse them. It also covers the options that shape what is
/// read (path, table, query, delimiter), so editing the configuration changes it too.
public struct SourceFingerprint: Sendable, Hashable, Codable, CustomStringConvertible {
    static let version = "v1"

    /// The text to store; `init(storageText:)` gives the same fingerprint back.
    public let storageText: String

    /// Restores a stored fingerprint; nil when the text is not one (or an unknown version,
    /// which callers should treat as "changed").
    public init?(storageText: String) {
        let parts = storageText.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == Self.version[...] else { return nil }
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "="), equals != part.startIndex else { return nil }
        }
        self.storageText = storageText
    }

    /// Builds a fingerprint from named components, in the given order. Values must not hold
    /// `;` (callers pass numbers, hex digests and kind names).
    init(_ components: [(String, String)]) {
        var text = Self.version
        for (key, value) in components {
            precondition(!key.isEmpty && !key.contains(";") && !key.contains("="), "bad fingerprint key \(key)")
            precondition(!value.contains(";"), "bad fingerprint value \(value)")
            text += ";\(key)=\(value)"
        }
        self.storageText = text
    }

    public var description: String { storageText }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let fingerprint = SourceFingerprint(storageText: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a source fingerprint: \(text)")
        }
        self = fingerprint
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(storageText)
    }
}
