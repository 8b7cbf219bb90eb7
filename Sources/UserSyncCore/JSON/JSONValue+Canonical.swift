extension JSONValue {
    /// The canonical text: object keys sorted by their UTF-8 bytes, no white space, strings
    /// escaped minimally, numbers normalised. Two documents that mean the same thing have the
    /// same canonical text, so the snapshot can compare digests instead of documents.
    public var canonicalText: String {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        appendCanonical(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func appendCanonical(to out: inout [UInt8]) {
        CanonicalWriter.write(self, to: &out)
    }

    /// Stable across processes and releases (unlike `Hasher`), so it can be stored.
    /// Hashes the canonical bytes as they are produced: the same bytes `canonicalText` holds.
    public var digest: DocumentDigest {
        var hasher = CanonicalHasher()
        hasher.value(self)
        return hasher.digest
    }

    static func utf8Less(_ a: String, _ b: String) -> Bool {
        CanonicalWriter.utf8Less(a, b)
    }

    /// Integers keep their digits (any size); other numbers go through `Double` so that
    /// `1.50`, `1.5` and `15e-1` compare equal. An integer written with an exponent or a
    /// fraction beyond 2^53 (`1e20`, `100000000000000000000.0`) is written out in digits, as
    /// the same integer without them is: `Double` would give `1e+20` and a digest that never
    /// matches the provider's `100000000000000000000`.
    static func normalisedNumber(_ literal: String) -> String {
        if !literal.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return literal == "-0" ? "0" : literal
        }
        guard let value = Double(literal), value.isFinite else { return literal }
        if value == value.rounded() {
            if abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
            if let digits = integerDigits(literal) { return digits }
        }
        return "\(value)"
    }

    /// The digits of a JSON number literal that is exactly an integer (`1.5e20` →
    /// `150000000000000000000`); nil when it has a fraction. Only called for finite values of
    /// at least 2^53, so the result has at most a few hundred digits.
    static func integerDigits(_ literal: String) -> String? {
        var bytes = Substring(literal).utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let mantissaEnd = bytes.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? bytes.endIndex
        let mantissa = bytes[..<mantissaEnd]
        var exponent = 0
        if mantissaEnd != bytes.endIndex {
            guard let parsed = Int(String(decoding: bytes[bytes.index(after: mantissaEnd)...], as: UTF8.self)) else { return nil }
            exponent = parsed
        }
        var digits: [UInt8] = []
        var seenPoint = false
        for byte in mantissa {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else {
                digits.append(byte)
                if seenPoint { exponent -= 1 }
            }
        }
        if exponent < 0 {
            let fraction = digits.suffix(-exponent)
            guard fraction.count == -exponent, fraction.allSatisfy({ $0 == UInt8(ascii: "0") }) else { return nil }
            digits.removeLast(-exponent)
        } else {
            guard exponent <= 400 else { return nil }
            digits += repeatElement(UInt8(ascii: "0"), count: exponent)
        }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        guard !significant.isEmpty else { return "0" }
        return (negative ? "-" : "") + String(decoding: significant, as: UTF8.self)
    }

    static func appendEscaped(_ string: String, to out: inout [UInt8]) {
        CanonicalWriter.writeString(string, to: &out)
    }
}

/// Where canonical bytes go: a byte array (`canonicalText`) or straight into a digest
/// (`CanonicalHasher`). One writer serves both, so a digest computed without building the
/// text is, by construction, the digest of that text.
protocol CanonicalSink {
    mutating func append(_ byte: UInt8)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>)
    /// The bytes of a string, escaped (no quotes).
    mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: CanonicalSink where Element == UInt8 {
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        append(contentsOf: bytes)
    }

    mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        CanonicalWriter.writeEscaped(bytes, to: &self)
    }
}

enum CanonicalWriter {
    static func write<Sink: CanonicalSink>(_ value: JSONValue, to out: inout Sink) {
        switch value {
        case .null: writeASCII("null", to: &out)
        case .bool(let b): writeASCII(b ? "true" : "false", to: &out)
        case .number(let literal): writeNumber(literal, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            writeObject(members, to: &out)
        }
    }

    static func writeObject<Sink: CanonicalSink>(_ members: [String: JSONValue], to out: inout Sink) {
        out.append(UInt8(ascii: "{"))
        // Sort indices rather than keys: no array of keys per object, and the scratch space
        // lives on the stack for the small objects users carry.
        withUnsafeTemporaryAllocation(of: Dictionary<String, JSONValue>.Index.self, capacity: members.count) { order in
            var count = 0
            var index = members.startIndex
            while index != members.endIndex {
                // Insertion sort: objects here hold a handful of keys.
                let key = members[index].key
                var slot = count
                while slot > 0 && utf8Less(key, members[order[slot - 1]].key) {
                    order[slot] = order[slot - 1]
                    slot -= 1
                }
                order[slot] = index
                count += 1
                index = members.index(after: index)
            }
            for position in 0..<count {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                let (key, value) = members[order[position]]
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(value, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    static func writeNumber<Sink: CanonicalSink>(_ literal: String, to out: inout Sink) {
        var text = JSONValue.normalisedNumber(literal)
        text.withUTF8 { out.append($0) }
    }

    static func writeASCII<Sink: CanonicalSink>(_ text: StaticString, to out: inout Sink) {
        out.append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    static func writeString<Sink: CanonicalSink>(_ string: String, to out: inout Sink) {
        var string = string
        string.withUTF8 { writeString(utf8: $0, to: &out) }
    }

    /// Quotes and escapes a UTF-8 string: `"` `\` and control characters, nothing else
    /// (not `/`, not DEL, not non-ASCII).
    static func writeString<Sink: CanonicalSink>(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        out.append(UInt8(ascii: "\""))
        out.appendEscaped(bytes)
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// The escaped bytes of a string: runs that need no escaping go out whole.
    static func writeEscaped<Sink: CanonicalSink>(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        var runStart = 0
        for offset in 0..<bytes.count {
            let byte = bytes[offset]
            guard needsEscape(byte) else { continue }
            if runStart < offset { out.append(UnsafeBufferPointer(rebasing: bytes[runStart..<offset])) }
            runStart = offset + 1
            writeEscape(byte, to: &out)
        }
        if runStart < bytes.count { out.append(UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }

    /// The escape sequence of a byte `needsEscape` accepts.
    static func writeEscape<Sink: CanonicalSink>(_ byte: UInt8, to out: inout Sink) {
        out.append(0x5C)
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            writeASCII("u00", to: &out)
            out.append(hexDigit(byte >> 4))
            out.append(hexDigit(byte & 0xF))
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Byte order of the UTF-8 encodings (not `<`, which compares normalised scalars).
    static func utf8Less(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                var i = 0
                while i < common {
                    if x[i] != y[i] { return x[i] < y[i] }
                    i += 1
                }
                return x.count < y.count
            }
        }
    }
}
