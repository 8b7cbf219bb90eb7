#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for writing with plain `open(2)`, written through a buffer and made durable
/// with `fsync(2)`. Closed when it goes out of scope. Errors are `SourceError.cannotWrite`
/// naming `path` and the system's words.
struct OutputFile: ~Copyable {
    static let bufferSize = 1 << 20

    let path: String
    let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Opens (and with `O_CREAT`, creates with `mode`) `path`.
    init(path: String, flags: Int32, mode: mode_t = 0o600, what: String) throws(SourceError) {
        var fd: Int32
        repeat {
            fd = open(path, flags | O_CLOEXEC, mode)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw Self.error(what: "cannot open \(what) \(path)", errno: errno, path: path) }
        self.path = path
        self.descriptor = fd
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        close(descriptor)
    }

    /// Buffers `bytes`, writing the buffer out when it is full.
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(SourceError) {
        if buffer.count + bytes.count > Self.bufferSize {
            try flush()
            if bytes.count >= Self.bufferSize {
                try Self.writeAll(descriptor, bytes, path: path)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    mutating func write(_ bytes: [UInt8]) throws(SourceError) {
        try bytes.withUnsafeBufferPointer { (pointer) throws(SourceError) in try write(pointer) }
    }

    mutating func write(_ bytes: ArraySlice<UInt8>) throws(SourceError) {
        try bytes.withUnsafeBufferPointer { (pointer) throws(SourceError) in try write(pointer) }
    }

    mutating func flush() throws(SourceError) {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBufferPointer { (pointer) throws(SourceError) in
            try Self.writeAll(descriptor, pointer, path: path)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and `fsync`s: when it returns, the bytes survive a crash.
    mutating func sync() throws(SourceError) {
        try flush()
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw Self.error(what: "cannot fsync \(path)", errno: errno, path: path)
        }
    }

    func status() throws(SourceError) -> stat {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw Self.error(what: "cannot stat \(path)", errno: errno, path: path)
        }
        return info
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>, path: String) throws(SourceError) {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written = Glibc_write(fd, base, left)
            if written < 0 {
                if errno == EINTR { continue }
                throw error(what: "cannot write \(path)", errno: errno, path: path)
            }
            base += written
            left -= written
        }
    }

    static func error(what: String, errno code: Int32, path: String?) -> SourceError {
        SourceError(.cannotWrite("\(what): \(SystemError.message(code))"), path: path)
    }

    /// `fsync`s a directory so that an entry created or renamed in it survives a crash.
    /// Best effort: some file systems refuse to sync directories, and by then the entry is
    /// already in place.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// The directory part of `path` (`.` when it has none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Creates `path` and its missing parents with `mode` (existing ones are left alone).
    static func makeDirectories(_ path: String, mode: mode_t) throws(SourceError) {
        var info = stat()
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { return }
            throw error(what: "cannot create directory \(path)", errno: ENOTDIR, path: path)
        }
        let parent = directory(of: path)
        if parent != path && parent != "." && parent != "/" {
            try makeDirectories(parent, mode: mode)
        }
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw error(what: "cannot create directory \(path)", errno: errno, path: path)
        }
        syncDirectory(parent)
    }
}

/// `write(2)`, named apart from `OutputFile.write`.
@inline(__always)
private func Glibc_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.write(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, buffer, count)
    #else
    return Glibc.write(fd, buffer, count)
    #endif
}
