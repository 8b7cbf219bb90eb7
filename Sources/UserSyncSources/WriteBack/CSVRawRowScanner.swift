/// Cuts CSV bytes into raw rows — every byte kept, terminator included — and notes where
/// each field lies in its row, so that a rewrite can replace single cells and copy the
/// rest. Rows and fields are cut by the reader's own `CSVCutter`, so they are the ones
/// `CSVParser` reads (a row with no content is an empty line).
struct CSVRawRowScanner {
    struct Row {
        /// The row's bytes, terminator included.
        var bytes: [UInt8] = []
        /// Each field's bytes in `bytes`, quotes included.
        var fields: [Range<Int>] = []
        /// False for an empty line.
        var hasContent = false
        /// What `CSVParser` would call a problem (text after a closing quote, an unterminated
        /// quote), or a row too long to hold: such a row is copied, never edited.
        var untrusted = false
    }

    let delimiter: UInt8
    let maxRowBytes: Int
    private var cutter: CSVCutter
    private var row = Row()
    private var fieldStart = 0
    private var pendingCR = false
    /// Bytes of an over-long row already handed over (`row.bytes` then holds only the rest).
    private var spilled = false

    init(delimiter: UInt8, maxRowBytes: Int) {
        self.delimiter = delimiter
        self.maxRowBytes = maxRowBytes
        cutter = CSVCutter(delimiter: delimiter)
        row.bytes.reserveCapacity(4096)
    }

    /// `emit` gets each complete row; `spill` gets the bytes of an over-long row as they come.
    mutating func feed(
        _ chunk: UnsafeBufferPointer<UInt8>, emit: (Row) throws -> Void, spill: ([UInt8]) throws -> Void
    ) throws {
        for byte in chunk {
            let step = cutter.step(byte)
            if pendingCR {
                pendingCR = false
                if step == .lineFeedOfCRLF {
                    row.bytes.append(byte)
                    try emitRow(emit)
                    continue
                }
                try emitRow(emit)
            }
            let offset = row.bytes.count
            row.bytes.append(byte)
            switch step {
            case .content, .quoteOpens, .quoteInQuoted, .escapedQuote, .lineFeedOfCRLF:
                break
            case .fieldEnds:
                endField(at: offset)
            case .rowEnds:
                try endRow(at: offset, terminator: byte, emit)
                // The next byte starts a row, whether or not a CR's LF is still to come.
                cutter.startRow()
            case .textAfterClosingQuote:
                row.untrusted = true
            }
            row.hasContent = cutter.rowHasContent || row.hasContent
            if row.bytes.count > maxRowBytes {
                try spill(row.bytes)
                row.bytes.removeAll(keepingCapacity: true)
                row.fields.removeAll()
                fieldStart = 0
                row.untrusted = true
                spilled = true
            }
        }
    }

    /// Call at the end of the input: delivers the last row.
    mutating func finish(emit: (Row) throws -> Void) throws {
        if pendingCR {
            pendingCR = false
            try emitRow(emit)
        }
        if cutter.inQuotedField { row.untrusted = true }
        if row.hasContent || !row.bytes.isEmpty || spilled {
            if row.hasContent { endField(at: row.bytes.count) }
            try emitRow(emit)
        }
    }

    private mutating func endField(at offset: Int) {
        row.fields.append(fieldStart..<offset)
        fieldStart = offset + 1
    }

    private mutating func endRow(at offset: Int, terminator: UInt8, _ emit: (Row) throws -> Void) throws {
        if row.hasContent { endField(at: offset) }
        if terminator == 0x0D {
            pendingCR = true  // a following LF belongs to this row
        } else {
            try emitRow(emit)
        }
    }

    private mutating func emitRow(_ emit: (Row) throws -> Void) throws {
        if spilled { row.untrusted = true }
        try emit(row)
        row.bytes.removeAll(keepingCapacity: row.bytes.capacity <= 1 << 20)
        row.fields.removeAll(keepingCapacity: true)
        row.hasContent = false
        row.untrusted = false
        spilled = false
        fieldStart = 0
    }
}
