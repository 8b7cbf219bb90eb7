#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a file into lines straight from 1 MiB `read(2)` chunks: no copy of a line unless
/// it straddles two chunks, no `String`, `memchr` to find each newline.
///
/// Lines end with `\n`; a `\r` before it is dropped; the last line may lack a newline (see
/// `endOfFile`); a
/// UTF-8 byte order mark at the start of the file is skipped. A line longer than
/// `maxLineBytes` is reported as `.tooLong` (and its bytes dropped), so memory stays
/// bounded whatever the file holds. The reader and `write_back: rewrite` both cut lines here.
enum LineReader {
    enum Line {
        /// The line without its terminator, and the file offset of its first byte.
        case bytes(UnsafeBufferPointer<UInt8>, offset: Int)
        case tooLong
    }

    /// - Parameter readSize: the most bytes one `read(2)` asks for (tests shrink it).
    /// - Parameter endOfFile: called once the end of the file is reached, before a last line
    ///   without a newline is delivered; throwing there keeps that line back.
    static func forEachLine(
        in file: borrowing InputFile,
        maxLineBytes: Int,
        readSize: Int = InputFile.chunkSize,
        endOfFile: () throws -> Void = {},
        _ body: (_ line: Line, _ number: Int) throws -> Void
    ) throws {
        var capacity = min(InputFile.chunkSize, maxLineBytes)
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var bufferOffset = 0  // the file offset of buffer[0]
        var start = 0  // first byte of the line not yet delivered
        var end = 0  // end of the bytes read so far
        var lineNumber = 0
        var checkedBOM = false
        var discarding = false  // inside a line already reported as too long
        var atEnd = false

        while !atEnd {
            if start > 0 {
                if start < end { memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start) }
                bufferOffset += start
                end -= start
                start = 0
            }
            if end == capacity {
                if discarding {
                    bufferOffset += end
                    end = 0
                } else if capacity < maxLineBytes {
                    capacity = min(capacity * 2, maxLineBytes)
                    let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
                    larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<end]))
                    buffer.deallocate()
                    buffer = larger
                } else {
                    lineNumber += 1
                    try body(.tooLong, lineNumber)
                    discarding = true
                    bufferOffset += end
                    end = 0
                }
            }
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end..<min(capacity, end + readSize)]))
            if count == 0 {
                atEnd = true
                try endOfFile()
            } else {
                end += count
            }

            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if !checkedBOM {
                if end < 3 && !atEnd { continue }
                checkedBOM = true
                if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
            }
            var scan = start
            while scan < end, let found = memchr(base + scan, 0x0A, end - scan) {
                let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if discarding {
                    discarding = false
                } else {
                    lineNumber += 1
                    try body(.bytes(line(base, from: scan, to: newline), offset: bufferOffset + scan), lineNumber)
                }
                scan = newline + 1
            }
            start = scan
            if atEnd && start < end && !discarding {
                lineNumber += 1
                try body(.bytes(line(base, from: start, to: end), offset: bufferOffset + start), lineNumber)
            }
        }
    }

    @inline(__always)
    private static func line(_ base: UnsafeMutablePointer<UInt8>, from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        var end = end
        if end > start && base[end - 1] == 0x0D { end -= 1 }
        return UnsafeBufferPointer(start: base + start, count: end - start)
    }

    /// True when the line holds only spaces, tabs and carriage returns.
    @inline(__always)
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in line where byte != 0x20 && byte != 0x09 && byte != 0x0D {
            return false
        }
        return true
    }
}
