/// The config file could not be used. Holds every problem found, not just the first.
///
/// `description` lists them one per line as `FILE:LINE: KEY: message`, e.g.
/// `/etc/usersync/usersync.yaml:14: providers.commbox.requests_per_minute: expected a positive
/// integer, got "fast"`.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// The config file's path, as given to the loader.
    public let file: String
    /// Every problem, in file order (problems without a line last).
    public let issues: [ConfigIssue]

    public init(file: String, issues: [ConfigIssue]) {
        self.file = file
        self.issues = issues
    }

    public var description: String {
        issues.map { $0.formatted(file: file) }.joined(separator: "\n")
    }

    /// A short, label-safe summary for metrics and one-line status (`config: 3 problems`).
    public var summary: String {
        issues.count == 1 ? "config: 1 problem" : "config: \(issues.count) problems"
    }
}
