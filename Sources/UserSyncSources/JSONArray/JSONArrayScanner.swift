import UserSyncCore

/// Cuts a JSON array into its top-level elements as the bytes stream by, without parsing
/// them (`JSONCutter`). Each element's bytes are handed over as they are (straight from
/// the chunk when the element fits in it, else from a carry buffer) with where they lie in
/// the file: the reader parses them, `write_back: rewrite` splices edited ones in their place.
///
/// A bad element (invalid JSON, bad UTF-8, a scalar) is the parser's problem and does not
/// disturb the cut, as long as its brackets balance. An element whose brackets do not
/// balance swallows what follows until they do; if they never do, the file ends inside the
/// array, which is a file-level error (truncated file).
struct JSONArrayScanner {
    enum Event {
        case element(UnsafeBufferPointer<UInt8>, range: Range<Int>)
        /// The element is longer than `maxElementBytes`; its bytes were dropped.
        case tooLong
        /// Nothing between two commas.
        case empty
    }

    let path: String
    let maxElementBytes: Int

    private var cutter = JSONCutter()
    private var line = 1
    private var elementNumber = 0
    private var elementLine = 0
    private var carry: [UInt8] = []
    private var oversized = false
    private var sawAnyByte = false
    /// The file offsets of the next chunk's first byte and of the current element's.
    private var offset: Int
    private var elementOffset = 0

    /// - Parameter startOffset: where the first chunk lies in the file (after a byte order mark).
    init(path: String, maxElementBytes: Int, startOffset: Int = 0) {
        self.path = path
        self.maxElementBytes = maxElementBytes
        offset = startOffset
    }

    mutating func scan(
        _ chunk: UnsafeBufferPointer<UInt8>,
        _ emit: (Event, SourceLocation) throws -> Void
    ) throws {
        let count = chunk.count
        var elementStart = cutter.position == .inElement ? 0 : -1
        if count > 0 { sawAnyByte = true }
        for index in 0..<count {
            let byte = chunk[index]
            switch cutter.step(byte) {
            case .none, .arrayCloses:
                break
            case .elementStarts:
                elementNumber += 1
                elementLine = line
                oversized = false
                elementStart = index
                elementOffset = offset + index
            case .elementEnds:
                try finishElement(chunk, from: elementStart, to: index, emit)
                elementStart = -1
            case .empty:
                elementNumber += 1
                try emit(.empty, SourceLocation(.element, elementNumber, line: line))
            case .notAnArray:
                let hint = byte == UInt8(ascii: "{") ? " (for one JSON object per line, use kind jsonl)" : ""
                throw SourceError(
                    .invalidContent("is not a JSON array: it starts with \(Self.show(byte)) on line \(line)\(hint)"),
                    path: path)
            case .textAfterArray:
                throw SourceError(
                    .invalidContent("has \(Self.show(byte)) on line \(line) after the closing ']' of the array"),
                    path: path)
            }
            if byte == 0x0A { line += 1 }
        }
        if cutter.position == .inElement && elementStart >= 0 {
            keep(UnsafeBufferPointer(rebasing: chunk[elementStart..<count]))
        }
        offset += count
    }

    /// Call once the file has been read to its end.
    func finish() throws(SourceError) {
        switch cutter.position {
        case .afterArray:
            return
        case .preamble:
            let why = sawAnyByte ? "holds only white space" : "is empty"
            throw SourceError(.invalidContent("\(why), expected a JSON array"), path: path)
        case .beforeElement:
            throw SourceError(
                .invalidContent("ends on line \(line) before the array is closed: the file is truncated or still being written"),
                path: path)
        case .inElement:
            let inside = cutter.inString ? "inside a string of element \(elementNumber)" : "inside element \(elementNumber)"
            throw SourceError(
                .invalidContent(
                    "ends \(inside) (which starts on line \(elementLine)) before the array is closed: the file is truncated or still being written, or the element's brackets do not balance"),
                path: path)
        }
    }

    private mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !oversized else { return }
        if carry.count + bytes.count > maxElementBytes {
            oversized = true
            carry.removeAll()
            return
        }
        carry.append(contentsOf: bytes)
    }

    private mutating func finishElement(
        _ chunk: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
        _ emit: (Event, SourceLocation) throws -> Void
    ) throws {
        let location = SourceLocation(.element, elementNumber, line: elementLine)
        let range = elementOffset..<(offset + end)
        let here = UnsafeBufferPointer(rebasing: chunk[max(start, 0)..<end])
        if oversized || carry.count + here.count > maxElementBytes {
            oversized = false
            try emit(.tooLong, location)
        } else if carry.isEmpty {
            try emit(Self.isBlank(here) ? .empty : .element(here, range: range), location)
        } else {
            carry.append(contentsOf: here)
            try carry.withUnsafeBufferPointer { bytes in
                try emit(Self.isBlank(bytes) ? .empty : .element(bytes, range: range), location)
            }
        }
        carry.removeAll(keepingCapacity: carry.capacity <= 1 << 20)
    }

    private static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    static func show(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
