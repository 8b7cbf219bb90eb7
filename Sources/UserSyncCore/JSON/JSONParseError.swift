/// Why a piece of text is not a JSON document, with the byte offset where parsing stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedCharacter(UInt8)
        case invalidUTF8
        case invalidEscape
        case invalidNumber
        case trailingData
        case tooDeep
    }

    public let kind: Kind
    public let offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        switch kind {
        case .unexpectedEnd: return "unexpected end of JSON"
        case .unexpectedCharacter(let c):
            let shown = (32..<127).contains(c) ? "'\(Character(UnicodeScalar(c)))'" : "byte 0x\(String(c, radix: 16))"
            return "unexpected \(shown) at byte \(offset + 1)"
        case .invalidUTF8: return "invalid UTF-8 at byte \(offset + 1)"
        case .invalidEscape: return "invalid escape sequence at byte \(offset + 1)"
        case .invalidNumber: return "invalid number at byte \(offset + 1)"
        case .trailingData: return "unexpected data after the JSON value at byte \(offset + 1)"
        case .tooDeep: return "JSON nested too deeply"
        }
    }
}
