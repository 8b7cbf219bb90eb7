/// A deliberately plain e-mail check: the providers reject what is clearly not an address,
/// and we would rather reject a row locally with a reason than draw a 400 per user.
public enum EmailAddress {
    /// `nil` when the address is acceptable, else why it is not.
    public static func problem(with address: String) -> String? {
        let utf8 = address.utf8
        if utf8.count > 254 { return "longer than 254 characters" }
        guard let at = utf8.lastIndex(of: UInt8(ascii: "@")) else { return "no @ sign" }
        let local = utf8[utf8.startIndex..<at]
        let domain = utf8[utf8.index(after: at)...]
        if local.isEmpty { return "nothing before the @" }
        if local.count > 64 { return "the part before the @ is longer than 64 characters" }
        if domain.isEmpty { return "nothing after the @" }
        if local.contains(UInt8(ascii: "@")) { return "more than one @ sign" }
        if utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) { return "contains white space or control characters" }
        if !domain.contains(UInt8(ascii: ".")) { return "the domain has no dot" }
        if domain.first == UInt8(ascii: ".") || domain.last == UInt8(ascii: ".") || domain.contains(subsequence: [0x2E, 0x2E]) {
            return "the domain has an empty label"
        }
        return nil
    }

    /// `j***@example.com`: enough for an operator to recognise, not enough to leak.
    public static func redacted(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@"), at > address.startIndex else { return "***" }
        return String(address[address.startIndex]) + "***" + address[at...]
    }
}

extension Collection where Element: Equatable {
    fileprivate func contains(subsequence: [Element]) -> Bool {
        guard subsequence.count <= count else { return false }
        var i = startIndex
        while i != endIndex {
            if self[i...].starts(with: subsequence) { return true }
            i = index(after: i)
        }
        return false
    }
}
