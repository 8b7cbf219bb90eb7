import Foundation

/// `metrics.listen`: `host:port`, IPv6 hosts in brackets.
enum ListenAddressSyntax {
    static func parse(_ text: String) -> UserSyncConfiguration.ListenAddress? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace),
              port.allSatisfy(\.isASCII), let number = Int(port), (1...65_535).contains(number)
        else { return nil }
        return UserSyncConfiguration.ListenAddress(host: String(host), port: number)
    }
}
