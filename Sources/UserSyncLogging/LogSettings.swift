import Logging
import Synchronization

/// The level, format and scrubber every handler of the process reads at each event, so that
/// a config reload (SIGHUP) changes them everywhere at once: a new `log.level`, `log.format`
/// or `log.show_pii` applies, and a rotated secret is scrubbed from then on.
public final class LogSettings: Sendable {
    public struct Values: Sendable {
        public var level: Logger.Level
        public var format: LogLineFormat
        public var scrubber: Scrubber

        public init(level: Logger.Level, format: LogLineFormat, scrubber: Scrubber) {
            self.level = level
            self.format = format
            self.scrubber = scrubber
        }
    }

    private let state: Mutex<Values>

    public init(_ values: Values) {
        state = Mutex(values)
    }

    public var current: Values { state.withLock { $0 } }

    public func update(_ values: Values) {
        state.withLock { $0 = values }
    }
}
