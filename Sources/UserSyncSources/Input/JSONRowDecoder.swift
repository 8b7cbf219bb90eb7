import UserSyncCore

/// Turns the bytes of one JSON text (a JSONL line, a JSON array element) into a source
/// item: a row when it is an object, else an unreadable item saying why.
enum JSONRowDecoder {
    static func item(_ bytes: UnsafeBufferPointer<UInt8>, at location: SourceLocation) -> SourceItem {
        var scratch = JSONParser.Scratch()
        return item(bytes, at: location, reusing: &scratch)
    }

    /// `item(_:at:)` with the parser's working memory kept from one text to the next.
    static func item(_ bytes: UnsafeBufferPointer<UInt8>, at location: SourceLocation, reusing scratch: inout JSONParser.Scratch) -> SourceItem {
        do {
            let value = try JSONParser.parse(bytes, reusing: &scratch)
            guard case .object(let columns) = value else {
                return .unreadable(location, .unparseable("expected a JSON object, got \(phrase(for: value))"))
            }
            return .row(SourceRow(location: location, columns: columns))
        } catch {
            // Bad bytes outside a string show up as an unexpected character; they are still
            // undecodable bytes to the operator.
            if error.kind == .invalidUTF8 || !isValidUTF8(bytes) {
                return .unreadable(location, .invalidUTF8)
            }
            return .unreadable(location, .unparseable(error.description))
        }
    }

    static func phrase(for value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        UTF8Text.string(bytes) != nil
    }
}
