/// A deliberately plain e-mail check: the providers reject what is clearly not an address,
/// and we would rather reject a row locally with a reason than draw a 400 per user.
public enum EmailAddress {
    /// `nil` when the address is acceptable, else why it is not.
    ///
    /// One pass over the bytes gathers every fact, then the checks are answered in their
    /// documented order (the first problem found is the one reported).
    public static func problem(with address: String) -> String? {
        var address = address
        return address.withUTF8 { bytes -> String? in
            if bytes.count > 254 { return "longer than 254 characters" }
            var at = -1
            var ats = 0
            var controls = false
            for offset in 0..<bytes.count {
                let byte = bytes[offset]
                if byte == UInt8(ascii: "@") {
                    at = offset
                    ats += 1
                }
                controls = controls || byte <= 0x20 || byte == 0x7F
            }
            guard at >= 0 else { return "no @ sign" }
            let localCount = at
            let domain = UnsafeBufferPointer(rebasing: bytes[(at + 1)...])
            if localCount == 0 { return "nothing before the @" }
            if localCount > 64 { return "the part before the @ is longer than 64 characters" }
            if domain.isEmpty { return "nothing after the @" }
            if ats > 1 { return "more than one @ sign" }
            if controls { return "contains white space or control characters" }
            let dot = UInt8(ascii: ".")
            if !domain.contains(dot) { return "the domain has no dot" }
            var emptyLabel = domain.first == dot || domain.last == dot
            for offset in domain.indices.dropFirst() where domain[offset] == dot && domain[offset - 1] == dot {
                emptyLabel = true
            }
            if emptyLabel { return "the domain has an empty label" }
            return nil
        }
    }

    /// `j***@example.com`: enough for an operator to recognise, not enough to leak.
    public static func redacted(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@"), at > address.startIndex else { return "***" }
        return String(address[address.startIndex]) + "***" + address[at...]
    }
}
