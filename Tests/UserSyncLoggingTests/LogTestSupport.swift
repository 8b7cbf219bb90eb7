import Foundation
import Logging
import Synchronization
@testable import UserSyncLogging

/// Collects the lines a `LineLogHandler` writes, instead of standard error.
final class CapturedLines: Sendable {
    private let storage = Mutex<[String]>([])

    var all: [String] { storage.withLock { $0 } }
    var last: String? { all.last }

    func append(_ line: String) { storage.withLock { $0.append(line) } }

    /// A logger whose handler writes here, in `format`, scrubbed by `scrubber`.
    func logger(
        format: LogLineFormat, level: Logger.Level = .trace, scrubber: Scrubber = Scrubber(secrets: [], showPII: false),
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> Logger {
        Logger(label: "test") { _ in
            var handler = LineLogHandler(level: level, format: format, scrubber: scrubber, sink: { self.append($0) })
            handler.metadataProvider = metadataProvider
            return handler
        }
    }
}

extension String {
    /// The line without its `time=...` field (logfmt), which changes with the clock.
    var withoutTime: String {
        replacingOccurrences(of: #"^time=\S+ "#, with: "", options: .regularExpression)
    }
}
