import Foundation

/// When a file source may be trusted whole: an application rewriting the file in place
/// leaves it cut inside a row for a moment, and a row cut inside its last field still parses
/// (`+18` for `+18005550100`). So a file is read only once it has *settled*:
///
/// - before the read, its mtime is at least `settleTime` in the past, and
/// - its size and mtime are the same at the end of the read (end of file reached, before
///   any final row without a line terminator is delivered) as at the start.
///
/// Otherwise the read throws `SourceError` `stillBeingWritten` (nothing is read at all in
/// the first case; in the second the rows already delivered must be discarded). A final row
/// without a line terminator is therefore only ever delivered from a settled file.
///
/// An mtime in the future (the writer's clock is ahead, a file unpacked from elsewhere) would
/// keep a file unsettled until our clock catches up, for hours maybe. So a file is also
/// settled once *we* have seen the same size and mtime for `settleTime` on our own monotonic
/// clock: the same rule, measured without trusting the file's timestamps.
///
/// A `settleTime` of zero turns the wait off; a change during the read is still caught.
/// An application that writes a temporary file and renames it over the source is never
/// seen half-way (the read keeps the file it opened) and needs no wait.
final class SettleRule: @unchecked Sendable {
    /// Nanoseconds.
    let settleTime: Int64
    let path: String

    /// Retrying a file that changed while it was read sooner than this is pointless.
    static let minimumRetry: Int64 = 250_000_000

    private struct Sighting: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    private let lock = NSLock()
    // Guarded by `lock`: the file as first seen in its current state, and when (monotonic).
    private var sighting: (file: Sighting, since: Int64)?

    init(path: String, settleTime: Duration) {
        self.path = path
        let parts = settleTime.components
        self.settleTime = max(0, parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }

    /// Throws `stillBeingWritten` when the file was modified less than `settleTime` ago (and
    /// has not been seen unchanged for that long either).
    func requireSettled(_ status: FileStatus, now: Int64 = FileStatus.now(), monotonic: Int64 = SettleRule.monotonicNow()) throws(SourceError) {
        guard settleTime > 0 else { return }
        let age = now - status.modified
        let seenFor = observe(status, at: monotonic)
        if age >= settleTime || seenFor >= settleTime { return }
        // Whichever comes first: the mtime growing old enough, or our own observation.
        let settlesAt = min(status.modified + settleTime, now + settleTime - seenFor)
        throw SourceError(.stillBeingWritten(modifiedAgo: age, settlesAt: settlesAt), path: path)
    }

    /// Throws `stillBeingWritten` when the size or mtime of the open file differ from
    /// `start`: it was written while it was read, so what was read matches no version of it.
    func requireUnchanged(since start: FileStatus, _ file: borrowing InputFile) throws(SourceError) {
        let now = try file.status()
        if now.size != start.size || now.modified != start.modified {
            let retry = FileStatus.now() + max(settleTime, Self.minimumRetry)
            throw SourceError(.stillBeingWritten(modifiedAgo: nil, settlesAt: retry), path: path)
        }
    }

    /// Throws `stillBeingWritten` when the file at `path` has not settled; a missing file is
    /// left to the read to report.
    func requireSettled() throws(SourceError) {
        guard settleTime > 0, let status = try FileStatus.of(path: path) else { return }
        try requireSettled(status)
    }

    /// How long (ns) the file has been seen exactly as `status` shows it.
    private func observe(_ status: FileStatus, at monotonic: Int64) -> Int64 {
        let file = Sighting(device: status.device, inode: status.inode, size: status.size, modified: status.modified)
        lock.lock()
        defer { lock.unlock() }
        if let sighting, sighting.file == file { return monotonic - sighting.since }
        sighting = (file, monotonic)
        return 0
    }

    /// Nanoseconds on a clock that never jumps (unlike file times and the wall clock).
    static func monotonicNow() -> Int64 {
        Int64(DispatchTime.now().uptimeNanoseconds)
    }
}
