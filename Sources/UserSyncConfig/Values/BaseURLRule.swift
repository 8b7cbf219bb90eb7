import Foundation

/// `base_url`: an absolute http(s) URL, plain http only for loopback hosts.
enum BaseURLRule {
    enum Failure: Error, Equatable {
        case notAbsoluteURL
        case unsupportedScheme
        case hasCredentials
        case hasQueryOrFragment
        case httpsRequired
    }

    /// The URL without trailing slashes, or why it is refused.
    static func validate(_ raw: String) -> Result<URL, Failure> {
        var text = raw.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard !text.isEmpty, let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            return .failure(.notAbsoluteURL)
        }
        guard scheme == "http" || scheme == "https" else { return .failure(.unsupportedScheme) }
        guard let host = url.host, !host.isEmpty else { return .failure(.notAbsoluteURL) }
        if url.user != nil || url.password != nil { return .failure(.hasCredentials) }
        if url.query != nil || url.fragment != nil { return .failure(.hasQueryOrFragment) }
        if scheme == "http", !isLoopback(host: host) { return .failure(.httpsRequired) }
        return .success(url)
    }

    /// 127.0.0.0/8, ::1 (also IPv4-mapped 127/8) and `localhost`.
    static func isLoopback(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix("."), name.count > 1 { name.removeLast() }
        if name == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { $0[0] } == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            let loopback = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
            let mappedV4 = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
                && bytes[12] == 127
            return loopback || mappedV4
        }
        return false
    }
}
