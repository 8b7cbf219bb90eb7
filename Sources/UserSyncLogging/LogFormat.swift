/// How log events are written: one event per line in every format.
public enum LogLineFormat: String, Sendable, CaseIterable {
    /// `key=value` pairs (the default on a terminal or a plain file).
    case logfmt
    /// One JSON object per line.
    case json
    /// logfmt prefixed with `<N>` syslog priorities, which journald reads as the level.
    case journald

    /// `auto`: journald when systemd connected stderr to the journal, else logfmt.
    public static func automatic(environment: [String: String]) -> LogLineFormat {
        environment["JOURNAL_STREAM"] != nil ? .journald : .logfmt
    }
}
