/// An RFC 4180 CSV tokenizer fed chunk by chunk: quoted fields with delimiters, doubled
/// quotes and line breaks (LF or CRLF) inside; unquoted fields; rows ending in LF, CRLF or
/// a lone CR. Empty lines are skipped. It keeps only the current row.
///
/// Lenient where no data is at stake (a quote inside an unquoted field is kept as a
/// character), strict where it is (text after a closing quote marks the row unreadable).
/// The reader and `write_back: rewrite` both cut rows here (rows and fields through
/// `CSVCutter`); the rewriter replaces cells where `Fields.rawRange` says they lie.
struct CSVParser {
    /// The fields of one row, valid only inside the callback that receives them.
    struct Fields {
        let bytes: UnsafeBufferPointer<UInt8>
        let ends: UnsafeBufferPointer<Int>
        /// The file offset of the row's first byte, and of the byte after each field.
        let rowStart: Int
        let rawEnds: UnsafeBufferPointer<Int>

        var count: Int { ends.count }

        /// The value of field `index`: quotes removed, `""` undone.
        subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
            let start = index == 0 ? 0 : ends[index - 1]
            return UnsafeBufferPointer(rebasing: bytes[start..<ends[index]])
        }

        /// Where field `index` lies in the file, quotes included.
        func rawRange(_ index: Int) -> Range<Int> {
            (index == 0 ? rowStart : rawEnds[index - 1] + 1)..<rawEnds[index]
        }

        /// In a row without a problem, an unquoted field's bytes are its value, so a field is
        /// quoted exactly when its bytes outnumber its value's.
        func isQuoted(_ index: Int) -> Bool {
            rawRange(index).count != self[index].count
        }
    }

    /// One row: the line it starts on, what is wrong with it, and its fields.
    struct Row {
        let line: Int
        /// Why the row cannot be trusted (its fields are then incomplete or wrong).
        let problem: String?
        let fields: Fields
    }

    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed: UInt8 = 0x0A

    let delimiter: UInt8
    let maxRowBytes: Int

    private var cutter: CSVCutter
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var rawEnds: [Int] = []
    /// The file offsets of the byte being parsed and of the current row's first byte.
    private var offset: Int
    private var rowStart: Int
    private var line = 1
    private var rowLine = 1
    private var quoteLine = 1
    private var problem: String?
    private var oversized = false

    /// - Parameter startOffset: where the first chunk lies in the file (after a byte order mark).
    init(delimiter: UInt8, maxRowBytes: Int, startOffset: Int = 0) {
        self.delimiter = delimiter
        self.maxRowBytes = maxRowBytes
        cutter = CSVCutter(delimiter: delimiter)
        offset = startOffset
        rowStart = startOffset
        bytes.reserveCapacity(4096)
        ends.reserveCapacity(64)
        rawEnds.reserveCapacity(64)
    }

    mutating func parse(_ chunk: UnsafeBufferPointer<UInt8>, _ emit: (Row) throws -> Void) throws {
        for byte in chunk {
            switch cutter.step(byte) {
            case .content:
                if byte == Self.lineFeed { line += 1 }  // only inside a quoted field
                append(byte)
            case .quoteOpens:
                quoteLine = line
            case .quoteInQuoted:
                break
            case .lineFeedOfCRLF:
                rowStart = offset + 1
            case .escapedQuote:
                append(Self.quote)
            case .fieldEnds:
                endField()
            case .rowEnds:
                try endRow(terminator: byte, emit)
            case .textAfterClosingQuote:
                if problem == nil {
                    problem = "unexpected \(Self.show(byte)) after the closing quote of field \(ends.count + 1) on line \(line); a quote inside a quoted field must be doubled"
                }
                append(byte)
            }
            offset += 1
        }
    }

    /// Call at the end of the file: delivers the last row if it lacks a line break.
    mutating func finish(_ emit: (Row) throws -> Void) throws {
        if cutter.inQuotedField {
            if problem == nil {
                problem = "unterminated quoted field: the quote opened on line \(quoteLine) is never closed"
            }
            try endRow(terminator: nil, emit)
        } else if cutter.rowHasContent {
            try endRow(terminator: nil, emit)
        }
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        guard !oversized else { return }
        if bytes.count >= maxRowBytes {
            oversized = true
            return
        }
        bytes.append(byte)
    }

    @inline(__always)
    private mutating func endField() {
        ends.append(bytes.count)
        rawEnds.append(offset)
    }

    private mutating func endRow(terminator: UInt8?, _ emit: (Row) throws -> Void) throws {
        if cutter.rowHasContent {
            endField()
            let why = oversized ? "row is longer than \(maxRowBytes >> 20) MiB" : problem
            let start = rowLine
            let rowStart = rowStart
            try bytes.withUnsafeBufferPointer { bytes in
                try ends.withUnsafeBufferPointer { ends in
                    try rawEnds.withUnsafeBufferPointer { rawEnds in
                        let fields = Fields(bytes: bytes, ends: ends, rowStart: rowStart, rawEnds: rawEnds)
                        try emit(Row(line: start, problem: why, fields: fields))
                    }
                }
            }
        }
        bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
        ends.removeAll(keepingCapacity: true)
        rawEnds.removeAll(keepingCapacity: true)
        rowStart = offset + 1
        cutter.startRow()
        problem = nil
        oversized = false
        if terminator != nil { line += 1 }
        rowLine = line
    }

    static func show(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
