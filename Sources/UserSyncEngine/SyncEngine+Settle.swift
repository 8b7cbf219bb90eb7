import Foundation
import Logging
import UserSyncConfig
import UserSyncSources

/// A source file still being written (`source.settle_time`): when it may be read, the debug
/// line that says so, and the wait of a one-shot sync.
extension SyncEngine {
    /// When the source may be read, if it is still being written now (one `stat`). Other
    /// problems (a missing file) are left for the read to report.
    func sourceSettlesAt() -> Double? { Self.settlesAt(source) }

    static func settlesAt(_ source: any UserSource) -> Double? {
        do {
            try source.requireSettled()
            return nil
        } catch {
            return error.settlesAt
        }
    }

    /// When the source may be read again, if `error` says it is still being written.
    func settling(_ error: (any Error)?) -> Double? {
        (error as? SourceError)?.settlesAt
    }

    /// When the source may be read again, if `body` failed because it is still being written.
    func settling(_ body: () async throws -> Void) async throws -> Double? {
        do {
            try await body()
            return nil
        } catch {
            guard let settlesAt = settling(error) else { throw error }
            return settlesAt
        }
    }

    func logStillBeingWritten(settlesAt: Double) {
        Self.logStillBeingWritten(source, settlesAt: settlesAt, options: options, logger: logger)
    }

    static func logStillBeingWritten(_ source: any UserSource, settlesAt: Double, options: Options, logger: Logger) {
        let wait = max(0, settlesAt - Date().timeIntervalSince1970)
        logger.debug("source is still being written; it is read once it has settled", metadata: [
            "source": "\(source.description)", "retry_in_ms": "\(Int((wait * 1000).rounded(.up)))",
            "retry_at": "\(Date(timeIntervalSince1970: settlesAt))", "settle_time": "\(options.source.settleTime)",
        ])
    }

    /// Waits, at most `limit`, until the source has settled (`source.settle_time`): for a
    /// one-shot sync, which has no next cycle to leave the file to. Returns at once for a
    /// settled file and for SQLite.
    public func waitForSourceToSettle(limit: Duration = .seconds(60)) async throws {
        try await Self.waitForSettle(source, options: options, logger: logger, limit: limit)
    }

    /// `waitForSourceToSettle` before a dry run (which has no engine).
    public static func waitForSourceToSettle(options: Options, logger: Logger, limit: Duration = .seconds(60)) async throws {
        try await waitForSettle(SourceRegistry.make(options.source), options: options, logger: logger, limit: limit)
    }

    private static func waitForSettle(_ source: any UserSource, options: Options, logger: Logger, limit: Duration) async throws {
        let deadline = Date().addingTimeInterval(seconds(limit))
        while let settlesAt = settlesAt(source) {
            let wait = min(settlesAt, deadline.timeIntervalSince1970) - Date().timeIntervalSince1970
            guard wait > 0 else { return }
            logStillBeingWritten(source, settlesAt: settlesAt, options: options, logger: logger)
            try await Task.sleep(for: .milliseconds(Int64((wait * 1000).rounded(.up)) + 20))
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
