/// One problem found in the config file.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// The dotted key the problem is about (`providers.commbox.requests_per_minute`);
    /// empty when it is about the file as a whole.
    public let key: String
    /// The 1-based line in the file, when known.
    public let line: Int?
    /// What is wrong and, where possible, what to write instead. Never holds a secret value.
    public let message: String

    public init(key: String, line: Int?, message: String) {
        self.key = key
        self.line = line
        self.message = message
    }

    /// `LINE: KEY: message` (parts that are unknown are left out).
    public var description: String {
        [line.map(String.init), key.isEmpty ? nil : key, message]
            .compactMap { $0 }
            .joined(separator: ": ")
    }

    /// `FILE:LINE: KEY: message`, the shape editors and `grep -n` users expect.
    public func formatted(file: String) -> String {
        let location = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
    }
}
