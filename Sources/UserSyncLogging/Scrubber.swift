import Foundation
import UserSyncCore

/// The last line of defence before a log line leaves the process: replaces every known
/// secret value with `<redacted>`, and e-mail addresses with `j***@example.com` unless the
/// operator asked to see them. Call sites should not log secrets in the first place; this
/// makes sure a mistake anywhere (an error description, a provider's message) cannot leak.
public struct Scrubber: Sendable {
    let secrets: [String]
    let showPII: Bool

    public init(secrets: [String], showPII: Bool) {
        // Short values would redact innocent text; real secrets are long.
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
        self.showPII = showPII
    }

    public func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingAll(secret, with: "<redacted>")
        }
        if !showPII && result.contains("@") {
            result = Self.redactEmails(result)
        }
        return result
    }

    /// Rewrites every token that looks like an address (`x@y.z`) to its redacted form.
    static func redactEmails(_ text: String) -> String {
        var output = ""
        var token = ""
        func flush() {
            if token.contains("@") {
                // Sentence punctuation after an address ("write to j@x.com.") is not part of it.
                let trailing = token.reversed().prefix { ".:!?".contains($0) }.count
                let address = String(token.dropLast(trailing))
                if EmailAddress.problem(with: address) == nil {
                    output += EmailAddress.redacted(address) + token.suffix(trailing)
                } else {
                    output += token
                }
            } else {
                output += token
            }
            token = ""
        }
        for character in text {
            if character.isWhitespace || "\"'<>(),;=[]{}".contains(character) {
                flush()
                output.append(character)
            } else {
                token.append(character)
            }
        }
        flush()
        return output
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
