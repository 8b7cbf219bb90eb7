#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A source file opened read-only, read with plain `read(2)` into caller buffers: no
/// Foundation, no per-read allocation. Closed when it goes out of scope.
struct InputFile: ~Copyable {
    /// The size of the chunks file sources read at a time.
    static let chunkSize = 1 << 20

    let path: String
    private let descriptor: Int32

    init(path: String) throws(SourceError) {
        var fd: Int32
        repeat {
            fd = open(path, O_RDONLY | O_CLOEXEC)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw SourceError(.cannotOpen(errno: errno), path: path) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw SourceError(.cannotOpen(errno: EISDIR), path: path)
        }
        self.path = path
        self.descriptor = fd
    }

    deinit {
        close(descriptor)
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = Glibc_read(descriptor, base, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw SourceError(.cannotRead(errno: errno), path: path)
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`, without moving the file position.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(SourceError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = pread(descriptor, base, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw SourceError(.cannotRead(errno: errno), path: path)
        }
    }

    /// Reads `count` bytes at `offset`, fewer if the file is shorter.
    func bytes(at offset: Int, count: Int) throws(SourceError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = result.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(offset + filled))
            }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw SourceError(.cannotRead(errno: errno), path: path)
            }
            filled += got
        }
        result.removeLast(count - filled)
        return result
    }

    func status() throws(SourceError) -> FileStatus {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SourceError(.cannotOpen(errno: errno), path: path) }
        return FileStatus(info)
    }

    /// The length of a UTF-8 byte order mark at the start of the file: 3, or 0 without one.
    func byteOrderMarkLength() throws(SourceError) -> Int {
        try bytes(at: 0, count: 3) == [0xEF, 0xBB, 0xBF] ? 3 : 0
    }

    /// Calls `body` with each chunk of the file from `offset` to its end, in order, reusing
    /// one buffer of `size` bytes (tests shrink it to cut items anywhere).
    func forEachChunk(
        from offset: Int = 0, size: Int = Self.chunkSize, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        defer { buffer.deallocate() }
        var offset = offset
        while true {
            let count = try read(into: buffer, at: offset)
            if count == 0 { return }
            offset += count
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]).assumingMemoryBound(to: UInt8.self))
        }
    }
}

/// `read(2)`, named apart from `InputFile.read(into:)`.
@inline(__always)
private func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.read(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.read(fd, buffer, count)
    #else
    return Glibc.read(fd, buffer, count)
    #endif
}
