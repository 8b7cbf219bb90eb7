import Foundation

/// `source.query` must be a read-only statement: it starts with SELECT or WITH
/// (after whitespace, comments and opening parentheses).
public enum SQLQueryRule {
    public static func isReadOnly(_ query: String) -> Bool {
        var rest = Substring(query)
        while true {
            rest = rest.drop(while: { $0.isWhitespace || $0 == "(" })
            if rest.hasPrefix("--") {
                rest = rest.drop(while: { $0 != "\n" })
            } else if rest.hasPrefix("/*") {
                guard let end = rest.range(of: "*/") else { return false }
                rest = rest[end.upperBound...]
            } else {
                break
            }
        }
        let word = rest.prefix(while: { $0.isLetter }).uppercased()
        return word == "SELECT" || word == "WITH"
    }
}
