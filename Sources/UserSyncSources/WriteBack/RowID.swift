import UserSyncCore

/// The external id of a row as `RecordMapper` reads it: the value as text, ASCII white
/// space trimmed. Nil when it is missing, empty or not a scalar.
enum RowID {
    static func of(_ value: JSONValue?) -> String? {
        guard let text = value?.scalarText else { return nil }
        let trimmed = trim(text)
        return trimmed.isEmpty ? nil : trimmed
    }

    static func trim(_ text: String) -> String {
        let utf8 = text.utf8
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = utf8.firstIndex(where: { !blank($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !blank($0) })!
        return String(text[first...last])
    }
}
