import Foundation

/// Fingerprints a file source: size + modification time (ns) + FNV-1a 64 of every byte.
///
/// Hashing the whole file is what makes the fingerprint trustworthy: size and mtime alone
/// miss a same-size rewrite within one timestamp tick, or a copy that preserves mtime
/// (`cp -p`, `rsync -t`). FNV-1a is bound by one multiply per byte: measured in release,
/// 0.17 s for a 136 MB file from the page cache (reading its rows takes ten times longer).
///
/// So that an unchanged source costs one `stat`, the last hash is kept with the file's
/// identity (device, inode, size, mtime, ctime) and reused while the identity holds, with
/// git's "racily clean" rule: a hash is only reused when the file's ctime was at least
/// `racyWindow` (2 s) older than the moment hashing started. Any later write moves ctime to
/// "now", which then cannot equal the cached ctime; `ctime` cannot be set back by any
/// program (unlike mtime), so `touch -d`, `cp -p` or `rsync -t` in place are caught too.
final class FileFingerprinter: @unchecked Sendable {
    /// Far larger than any file system's timestamp granularity (nanoseconds).
    static let defaultRacyWindow: Int64 = 2_000_000_000

    let racyWindow: Int64

    private struct Entry {
        var status: FileStatus
        var hash: UInt64
    }

    private let lock = NSLock()
    // Guarded by `lock`.
    private var entry: Entry?

    init(racyWindow: Int64 = FileFingerprinter.defaultRacyWindow) {
        self.racyWindow = racyWindow
    }

    /// Whether a hash is kept for reuse (for tests).
    var hasCachedHash: Bool {
        lock.lock()
        defer { lock.unlock() }
        return entry != nil
    }

    /// The fingerprint components of the file at `path`: size, mtime and content hash.
    func components(path: String) throws(SourceError) -> [(String, String)] {
        let file = try InputFile(path: path)
        var status = try file.status()
        let hash: UInt64
        if let cached = cachedHash(for: status) {
            hash = cached
        } else {
            var attempt = 0
            while true {
                let started = FileStatus.now()
                let computed = try Self.hash(file)
                let after = try file.status()
                attempt += 1
                // Changed while hashing: the hash matches no single version of the file.
                // Hash again; after a few tries, return a fingerprint that will simply not
                // match the next one (and cache nothing).
                if after != status && attempt < 3 {
                    status = after
                    continue
                }
                hash = computed
                if after == status && status.changed < started - racyWindow {
                    store(Entry(status: status, hash: computed))
                }
                break
            }
        }
        return [
            ("size", String(status.size)),
            ("mtime_ns", String(status.modified)),
            ("fnv1a64", FNV1a64.hex(hash)),
        ]
    }

    private func cachedHash(for status: FileStatus) -> UInt64? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry, entry.status == status else { return nil }
        return entry.hash
    }

    private func store(_ new: Entry) {
        lock.lock()
        defer { lock.unlock() }
        entry = new
    }

    static func hash(_ file: borrowing InputFile) throws(SourceError) -> UInt64 {
        var hasher = FNV1a64()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: InputFile.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while true {
            let count = try file.read(into: buffer, at: offset)
            if count == 0 { break }
            hasher.combine(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += count
        }
        return hasher.value
    }
}
