import Foundation
import PostgresNIO

/// `LISTEN`s to the source's `notify_channel` and calls `onChange` for each notification,
/// for as long as the calling task runs. A lost connection is reported through `event`
/// and re-established with a growing delay (1 s … 30 s); meanwhile the daemon keeps
/// polling at `sync.interval`. After each (re)connection `onChange` is called once, so a
/// change made while nobody listened is not left for the next interval.
public struct PostgresChangeListener: Sendable {
    public enum Event: Sendable {
        case listening(channel: String)
        case lost(reason: String, retryIn: Double)
    }

    public let options: PostgresSourceOptions
    public let channel: String

    public init?(options: PostgresSourceOptions) {
        guard let channel = options.notifyChannel, !channel.isEmpty else { return nil }
        self.options = options
        self.channel = channel
    }

    public func run(onChange: @escaping @Sendable () async -> Void, event: @escaping @Sendable (Event) -> Void) async {
        var delay = 1.0
        while !Task.isCancelled {
            var reason = "the notification stream ended"
            do {
                let connection = try await PostgresSession.connect(options, dedicated: false)
                do {
                    let notifications = try await connection.listen(channel)
                    event(.listening(channel: channel))
                    delay = 1
                    await onChange()
                    for try await _ in notifications { await onChange() }
                } catch {
                    reason = PostgresSession.message(error)
                }
                try? await connection.close()
            } catch {
                reason = PostgresSession.message(error)
            }
            if Task.isCancelled { return }
            event(.lost(reason: reason, retryIn: delay))
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            delay = min(delay * 2, 30)
        }
    }
}
