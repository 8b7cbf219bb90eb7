/// The byte-level state of RFC 4180 CSV: where a byte falls (a field's start, an unquoted or
/// a quoted field, just after a quote inside a quoted field) and what it means, for
/// `CSVParser`: quotes open a quoted field only at its start, `""` inside one is a quote, LF,
/// CRLF or a lone CR end a row outside quotes.
struct CSVCutter {
    /// What one byte meant.
    enum Step: Equatable {
        /// A byte of the current field's value.
        case content
        /// The quote opening a quoted field (not part of the value).
        case quoteOpens
        /// A quote inside a quoted field: its end, or the first half of `""`.
        case quoteInQuoted
        /// The second quote of `""`: one quote in the value.
        case escapedQuote
        /// A delimiter: the field ends before it.
        case fieldEnds
        /// LF or CR outside quotes: the row ends before it.
        case rowEnds
        /// The LF right after a row ended by CR (CRLF): no new row.
        case lineFeedOfCRLF
        /// A byte after a closing quote that is neither a delimiter nor a row end: kept as
        /// content, but the row cannot be trusted.
        case textAfterClosingQuote
    }

    private enum State {
        case fieldStart
        case unquoted
        case quoted
        case quoteInQuoted
    }

    static let quote = UInt8(ascii: "\"")
    let delimiter: UInt8
    private var state = State.fieldStart
    private var afterCR = false
    /// False while the current row is an empty line (nothing but its terminator so far).
    private(set) var rowHasContent = false
    /// Inside a quoted field that has not been closed (at the end of a file: unterminated).
    var inQuotedField: Bool { state == .quoted }

    init(delimiter: UInt8) {
        self.delimiter = delimiter
    }

    @inline(__always)
    mutating func step(_ byte: UInt8) -> Step {
        if afterCR {
            afterCR = false
            if byte == 0x0A { return .lineFeedOfCRLF }
        }
        switch state {
        case .fieldStart:
            if byte == Self.quote {
                state = .quoted
                rowHasContent = true
                return .quoteOpens
            }
            if byte == delimiter {
                rowHasContent = true
                return .fieldEnds
            }
            if byte == 0x0A || byte == 0x0D { return endRow(byte) }
            state = .unquoted
            rowHasContent = true
            return .content
        case .unquoted:
            if byte == delimiter {
                state = .fieldStart
                return .fieldEnds
            }
            if byte == 0x0A || byte == 0x0D { return endRow(byte) }
            return .content
        case .quoted:
            if byte == Self.quote {
                state = .quoteInQuoted
                return .quoteInQuoted
            }
            return .content
        case .quoteInQuoted:
            if byte == Self.quote {
                state = .quoted
                return .escapedQuote
            }
            if byte == delimiter {
                state = .fieldStart
                return .fieldEnds
            }
            if byte == 0x0A || byte == 0x0D { return endRow(byte) }
            state = .unquoted
            return .textAfterClosingQuote
        }
    }

    /// The row was handed over (at its end, or at the end of the file): the next starts fresh.
    @inline(__always)
    mutating func startRow() {
        state = .fieldStart
        rowHasContent = false
    }

    @inline(__always)
    private mutating func endRow(_ terminator: UInt8) -> Step {
        afterCR = terminator == 0x0D
        return .rowEnds
    }
}
