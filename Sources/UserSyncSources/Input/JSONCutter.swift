/// The byte-level state of a JSON array cut into its top-level elements, or of an object cut
/// into its members (`"key": value`), without parsing them: where it is (before the
/// container, between elements, in one, after the container), and in an element only
/// string/escape state and bracket depth. The array reader (`JSONArrayScanner`, also for
/// `write_back: rewrite`) and the member editor (`JSONObjectEditor`) cut through it.
///
/// An element whose brackets do not balance swallows what follows until they do.
struct JSONCutter {
    enum Position: Equatable {
        /// Before the opening `[`.
        case preamble
        /// After `[` or `,`, before the next element or the closing `]`.
        case beforeElement
        case inElement
        /// After the closing `]`.
        case afterArray
    }

    /// What one byte meant.
    enum Step: Equatable {
        /// Nothing to act on: white space between elements, the opening `[`, a byte inside an element.
        case none
        /// This byte is the first of an element.
        case elementStarts
        /// The element ended just before this byte: a `,`, or the `]` closing the array.
        case elementEnds(closesArray: Bool)
        /// The `]` closing the array where no element was open.
        case arrayCloses
        /// A `,` where an element was expected: an empty element.
        case empty
        /// A byte other than white space before the `[`.
        case notAnArray
        /// A byte other than white space after the closing `]`.
        case textAfterArray
    }

    /// `[` or `{`, and the bracket that closes it.
    let opening: UInt8
    private let closing: UInt8
    private(set) var position = Position.preamble
    private(set) var inString = false
    private var depth = 0
    private var escaped = false

    init(opening: UInt8 = UInt8(ascii: "[")) {
        self.opening = opening
        closing = opening == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
    }

    @inline(__always)
    mutating func step(_ byte: UInt8) -> Step {
        switch position {
        case .inElement:
            return inElement(byte)
        case .beforeElement:
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A: return .none
            // A trailing comma before the closing bracket is tolerated.
            case closing:
                position = .afterArray
                return .arrayCloses
            case UInt8(ascii: ","): return .empty
            default:
                position = .inElement
                depth = 0
                inString = false
                escaped = false
                _ = inElement(byte)
                return .elementStarts
            }
        case .preamble:
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A: return .none
            case opening:
                position = .beforeElement
                return .none
            default: return .notAnArray
            }
        case .afterArray:
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A: return .none
            default: return .textAfterArray
            }
        }
    }

    @inline(__always)
    private mutating func inElement(_ byte: UInt8) -> Step {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            return .none
        }
        switch byte {
        case UInt8(ascii: "\""):
            inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            if depth > 0 {
                depth -= 1
            } else if byte == closing {
                position = .afterArray
                return .elementEnds(closesArray: true)
            }
        // A stray `}` at depth 0 stays in the element, which then fails to parse.
        case UInt8(ascii: ","):
            if depth == 0 {
                position = .beforeElement
                return .elementEnds(closesArray: false)
            }
        default:
            break
        }
        return .none
    }
}
