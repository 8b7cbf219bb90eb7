#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts bytes fed chunk by chunk into lines *with* their terminators, so that writing every
/// piece back out reproduces the input byte for byte. A line longer than `maxLineBytes` is
/// handed over in `.passthrough` pieces (never held whole), to be copied unchanged.
struct RawLineSplitter {
    enum Piece {
        /// One whole line, its `\n` included (absent on a last line without one).
        case line(UnsafeBufferPointer<UInt8>)
        /// Part of an over-long line.
        case passthrough(UnsafeBufferPointer<UInt8>)
    }

    let maxLineBytes: Int
    private var carry: [UInt8] = []
    private var overlong = false

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (Piece) throws -> Void) throws {
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return }
        var start = 0
        while start < chunk.count, let found = memchr(base + start, 0x0A, chunk.count - start) {
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
            let piece = UnsafeBufferPointer(rebasing: chunk[start..<end])
            if overlong {
                try body(.passthrough(piece))
                overlong = false
            } else if carry.count + piece.count > maxLineBytes {
                try carry.withUnsafeBufferPointer { try body(.passthrough($0)) }
                try body(.passthrough(piece))
                carry.removeAll()
            } else if carry.isEmpty {
                try body(.line(piece))
            } else {
                carry.append(contentsOf: piece)
                try carry.withUnsafeBufferPointer { try body(.line($0)) }
                carry.removeAll(keepingCapacity: carry.capacity <= 1 << 20)
            }
            start = end
        }
        let rest = UnsafeBufferPointer(rebasing: chunk[start...])
        if rest.isEmpty { return }
        if overlong {
            try body(.passthrough(rest))
        } else if carry.count + rest.count > maxLineBytes {
            try carry.withUnsafeBufferPointer { try body(.passthrough($0)) }
            try body(.passthrough(rest))
            carry.removeAll()
            overlong = true
        } else {
            carry.append(contentsOf: rest)
        }
    }

    /// Call at the end of the input: delivers a last line without a newline.
    mutating func finish(_ body: (Piece) throws -> Void) throws {
        if !carry.isEmpty {
            try carry.withUnsafeBufferPointer { try body(.line($0)) }
            carry.removeAll()
        }
    }
}
