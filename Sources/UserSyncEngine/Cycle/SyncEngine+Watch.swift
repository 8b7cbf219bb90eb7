import Logging
import UserSyncSources

/// Wake-ups from the source itself (PostgreSQL `LISTEN` on `source.notify_channel`).
extension SyncEngine {
    /// True when the source can tell the daemon that it changed.
    public var watchesSource: Bool { PostgresChangeListener(options: options.source.postgres ?? .placeholder) != nil }

    /// Listens for changes until the calling task is cancelled, calling `onChange` for each
    /// (and once after every (re)connection). Returns at once when the source cannot notify.
    public func watchSource(onChange: @escaping @Sendable () async -> Void) async {
        guard let postgres = options.source.postgres, let listener = PostgresChangeListener(options: postgres) else { return }
        let logger = self.logger
        await listener.run(onChange: onChange) { event in
            switch event {
            case .listening(let channel):
                logger.info("listening for source changes", metadata: ["channel": "\(channel)"])
            case .lost(let reason, let retryIn):
                logger.warning("source change notifications lost; polling at sync.interval until listening again", metadata: [
                    "reason": "\(reason)", "retry_in_s": "\(Int(retryIn))",
                ])
            }
        }
    }
}

extension PostgresSourceOptions {
    static let placeholder = PostgresSourceOptions(url: PostgresURL(user: "-", host: "-", database: "-"))
}
