import UserSyncCore

/// Edits the text of one JSON object by splicing bytes: setting a member replaces only its
/// value's bytes, a new member is appended after the last one (copying the object's own
/// separators), removing one takes out the member and one comma. Everything else — other
/// members, their order, spacing, number literals, escapes — stays byte for byte.
///
/// The text is checked with `JSONParser` first, so the splicing scanner may assume valid JSON.
struct JSONObjectEditor {
    private struct Member {
        /// The key's bytes, quotes included.
        var keyRange: Range<Int>
        var key: String
        var valueRange: Range<Int>
    }

    private(set) var bytes: [UInt8]

    /// Nil when `bytes` is not a JSON object (with optional surrounding white space).
    init?(_ bytes: [UInt8]) {
        guard case .object? = try? JSONParser.parse(bytes) else { return nil }
        self.bytes = bytes
    }

    /// The bytes of the value of `key` (its last occurrence, as readers see it), if present.
    func value(of key: String) -> ArraySlice<UInt8>? {
        guard let member = members().last(where: { $0.key == key }) else { return nil }
        return bytes[member.valueRange]
    }

    /// Sets `key` to the JSON text `value`, in place when present, else as a new last member.
    mutating func set(_ key: String, to value: [UInt8]) {
        let (close, members) = layout()
        if let member = members.last(where: { $0.key == key }) {
            bytes.replaceSubrange(member.valueRange, with: value)
            return
        }
        var keyBytes: [UInt8] = []
        JSONValue.string(key).appendCanonical(to: &keyBytes)
        guard let last = members.last else {
            bytes.replaceSubrange(close..<close, with: keyBytes + [UInt8(ascii: ":")] + value)
            return
        }
        let colon = Array(bytes[last.keyRange.upperBound..<last.valueRange.lowerBound])
        let separator: [UInt8]
        if members.count >= 2 {
            separator = Array(bytes[members[members.count - 2].valueRange.upperBound..<last.keyRange.lowerBound])
        } else {
            separator = colon.contains(0x20) ? [UInt8(ascii: ","), 0x20] : [UInt8(ascii: ",")]
        }
        let at = last.valueRange.upperBound
        bytes.replaceSubrange(at..<at, with: separator + keyBytes + colon + value)
    }

    /// Removes every occurrence of `key`; nothing happens when it is absent.
    mutating func remove(_ key: String) {
        while true {
            let (_, members) = layout()
            guard let index = members.lastIndex(where: { $0.key == key }) else { return }
            let member = members[index]
            let range: Range<Int>
            if members.count == 1 {
                range = member.keyRange.lowerBound..<member.valueRange.upperBound
            } else if index < members.count - 1 {
                range = member.keyRange.lowerBound..<members[index + 1].keyRange.lowerBound
            } else {
                range = members[index - 1].valueRange.upperBound..<member.valueRange.upperBound
            }
            bytes.removeSubrange(range)
        }
    }

    /// True when `key` appears at most once and, if it does, is written without escapes:
    /// then a JSON path naming it literally (SQLite's `$."key"`) finds exactly that member.
    func holdsKeyLiterally(_ key: String) -> Bool {
        let matches = members().filter { $0.key == key }
        guard let member = matches.first else { return true }
        return matches.count == 1 && bytes[member.keyRange].elementsEqual([0x22] + Array(key.utf8) + [0x22])
    }

    // MARK: - Metadata held as JSON text

    /// `text` (a JSON object as text, as a CSV cell or a SQLite column holds metadata; blank
    /// means `{}`) with `key` set to `value`, or removed when `value` is nil. Nil when the
    /// text is not a JSON object.
    static func editing(objectText text: String, key: String, value: JSONValue?) -> String? {
        let blank = text.utf8.allSatisfy(Self.isBlank)
        guard var editor = JSONObjectEditor(blank ? Array("{}".utf8) : Array(text.utf8)) else { return nil }
        if let value {
            editor.set(key, to: Array(value.canonicalText.utf8))
        } else {
            editor.remove(key)
        }
        return String(decoding: editor.bytes, as: UTF8.self)
    }

    // MARK: - Cutting valid JSON

    private func members() -> [Member] { layout().members }

    /// The offset of the closing brace and the members, in order, cut by the same
    /// `JSONCutter` that cuts JSON arrays for the reader.
    private func layout() -> (close: Int, members: [Member]) {
        var cutter = JSONCutter(opening: UInt8(ascii: "{"))
        var members: [Member] = []
        var start = 0
        for index in bytes.indices {
            switch cutter.step(bytes[index]) {
            case .elementStarts:
                start = index
            case .elementEnds(let closes):
                members.append(member(start..<index))
                if closes { return (index, members) }
            case .arrayCloses:
                return (index, members)
            default:
                break
            }
        }
        preconditionFailure("a JSONObjectEditor holds a valid JSON object")
    }

    /// The member whose text (`"key": value` and the white space after it) is at `range`.
    private func member(_ range: Range<Int>) -> Member {
        var keyEnd = range.lowerBound + 1
        while bytes[keyEnd] != UInt8(ascii: "\"") { keyEnd += bytes[keyEnd] == UInt8(ascii: "\\") ? 2 : 1 }
        keyEnd += 1
        var valueStart = keyEnd
        while Self.isBlank(bytes[valueStart]) || bytes[valueStart] == UInt8(ascii: ":") { valueStart += 1 }
        var valueEnd = range.upperBound
        while Self.isBlank(bytes[valueEnd - 1]) { valueEnd -= 1 }
        let keyRange = range.lowerBound..<keyEnd
        return Member(keyRange: keyRange, key: decodeKey(keyRange), valueRange: valueStart..<valueEnd)
    }

    private func decodeKey(_ range: Range<Int>) -> String {
        let inner = bytes[(range.lowerBound + 1)..<(range.upperBound - 1)]
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        return (try? JSONParser.parse(bytes[range]))?.stringValue ?? String(decoding: inner, as: UTF8.self)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
