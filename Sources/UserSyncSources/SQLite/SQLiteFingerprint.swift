#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The fingerprint of a SQLite database, taken without opening it (no lock, no write, no
/// `-shm` created): a few `stat`s and a few header bytes.
///
/// Why not the main file's size and mtime alone: in WAL mode a commit appends to the `-wal`
/// file and leaves the main file untouched until a checkpoint. Why not `PRAGMA
/// data_version`: it is per connection, meaningless across processes and runs. So:
///
/// - main file: size, mtime (ns), and the header's *file change counter* (bytes 24…27),
///   which every commit in rollback-journal mode increments — this catches two commits in
///   one timestamp tick that leave the size alone;
/// - `-wal` file (when present): size, mtime (ns), and its 32-byte header, whose salts and
///   checkpoint sequence change each time the log restarts from its beginning (after a
///   restart, commits overwrite old frames and the size may not move);
/// - `-shm` file (when present): the first 48 bytes, the wal-index header, whose `iChange`
///   counter SQLite increments on *every* WAL commit and whose `mxFrame` is the last valid
///   frame — this catches commits within one log generation and one mtime tick.
///
/// A checkpoint changes the fingerprint without changing the rows: that costs one extra
/// read, never a missed change. A database in exclusive locking mode keeps its wal-index
/// in memory (no `-shm`); it then relies on the `-wal` size, mtime and header.
enum SQLiteFingerprint {
    static func components(path: String) throws(SourceError) -> [(String, String)] {
        let main = try InputFile(path: path)
        let status = try main.status()
        let header = try main.bytes(at: 24, count: 4)
        let changeCounter = header.count == 4
            ? header.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            : 0
        var components = [
            ("size", String(status.size)),
            ("mtime_ns", String(status.modified)),
            ("change_counter", String(changeCounter)),
        ]
        components += try sidecar(path + "-wal", name: "wal", headerBytes: 32)
        components += try sidecar(path + "-shm", name: "shm", headerBytes: 48, withStatus: false)
        return components
    }

    /// Components for a `-wal` or `-shm` file: "none" when it does not exist.
    private static func sidecar(
        _ path: String, name: String, headerBytes: Int, withStatus: Bool = true
    ) throws(SourceError) -> [(String, String)] {
        let file: InputFile
        do {
            file = try InputFile(path: path)
        } catch where error.reason == .cannotOpen(errno: ENOENT) {
            // Absent: the last connection checkpointed and removed it, or rollback mode.
            return [(name, "none")]
        }
        var components: [(String, String)] = []
        if withStatus {
            let status = try file.status()
            components.append(("\(name)_size", String(status.size)))
            components.append(("\(name)_mtime_ns", String(status.modified)))
        }
        let header = try file.bytes(at: 0, count: headerBytes)
        var hasher = FNV1a64()
        header.withUnsafeBytes { hasher.combine($0) }
        components.append(("\(name)_header", hasher.hex))
        return components
    }
}
