/// Where a row sits in the source, in the words an operator would use to find it.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible, Comparable {
    public enum Unit: String, Sendable {
        /// A line of a JSONL file (1-based).
        case line
        /// A data row of a CSV file or a SQLite result (1-based, header excluded).
        case row
        /// An element of a JSON array (1-based); `line` carries the line it starts on.
        case element
    }

    public let unit: Unit
    public let number: Int
    /// The file line where a multi-line row (CSV with quoted newlines, JSON array element) starts.
    public let line: Int?

    public init(_ unit: Unit, _ number: Int, line: Int? = nil) {
        self.unit = unit
        self.number = number
        self.line = line
    }

    public var description: String {
        if let line, unit != .line { return "\(unit.rawValue) \(number) (line \(line))" }
        return "\(unit.rawValue) \(number)"
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.number < b.number }
}
