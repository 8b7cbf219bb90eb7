/// The lexical half of "the query must be read-only": a single statement that starts with
/// SELECT or WITH. The other half is SQLite's own verdict (`sqlite3_stmt_readonly`, checked
/// when the statement is prepared) and the read-only connection, so a `WITH … DELETE` or a
/// write hidden anywhere is refused three times over.
enum SQLQueryGuard {
    /// Why `query` is refused, or nil when it passes.
    static func problem(with query: String) -> String? {
        let bytes = Array(query.utf8)
        var index = 0
        skipBlanks(bytes, &index)
        guard index < bytes.count else { return "the query is empty" }
        var wordEnd = index
        while wordEnd < bytes.count, isWordByte(bytes[wordEnd]) { wordEnd += 1 }
        let keyword = String(decoding: bytes[index..<wordEnd], as: UTF8.self).uppercased()
        guard keyword == "SELECT" || keyword == "WITH" else {
            let shown = keyword.isEmpty ? "'\(String(decoding: bytes[index..<min(index + 1, bytes.count)], as: UTF8.self))'" : keyword
            return "it starts with \(shown)"
        }
        // Find the end of the first statement, past quoted text and comments.
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                skipQuoted(bytes, &index, closing: bytes[index])
            case UInt8(ascii: "["):
                skipQuoted(bytes, &index, closing: UInt8(ascii: "]"))
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"),
                UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                skipBlanks(bytes, &index)
            case UInt8(ascii: ";"):
                index += 1
                skipBlanks(bytes, &index)
                while index < bytes.count, bytes[index] == UInt8(ascii: ";") {
                    index += 1
                    skipBlanks(bytes, &index)
                }
                return index < bytes.count ? "it holds more than one statement" : nil
            default:
                index += 1
            }
        }
        return nil
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// Skips white space and comments.
    private static func skipBlanks(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C {
                index += 1
            } else if byte == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                index += 2
                while index < bytes.count, !(bytes[index] == UInt8(ascii: "*") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "/")) {
                    index += 1
                }
                index = min(index + 2, bytes.count)
            } else {
                return
            }
        }
    }

    /// Skips a quoted string or identifier; a doubled closing character stays inside.
    private static func skipQuoted(_ bytes: [UInt8], _ index: inout Int, closing: UInt8) {
        index += 1
        while index < bytes.count {
            if bytes[index] == closing {
                if closing != UInt8(ascii: "]"), index + 1 < bytes.count, bytes[index + 1] == closing {
                    index += 2
                    continue
                }
                index += 1
                return
            }
            index += 1
        }
    }
}
