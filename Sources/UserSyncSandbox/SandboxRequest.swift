import Foundation

/// A complete HTTP request as the emulators see it, independent of NIO.
struct SandboxRequest: Sendable {
    var method: String
    /// The raw path, without the query string.
    var path: String
    /// Decoded query parameters in order; `+` decodes to a space, as ASP.NET and Express do.
    var query: [(name: String, value: String)]
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// The request target as received (path and raw query), for the request log.
    var target: String

    init(method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method.uppercased()
        self.headers = headers
        self.body = body
        self.target = uri
        if let mark = uri.firstIndex(of: "?") {
            path = String(uri[..<mark])
            query = Self.parseQuery(String(uri[uri.index(after: mark)...]))
        } else {
            path = uri
            query = []
        }
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Decoded path segments after `prefix`, e.g. `["customer-users", "cu_1"]`.
    func segments(after prefix: String) -> [String]? {
        guard path == prefix || path.hasPrefix(prefix + "/") else { return nil }
        return path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: true)
            .map { String($0).removingPercentEncoding ?? String($0) }
    }

    /// The body as JSON; an empty body reads as `nil`.
    func jsonBody() throws -> SandboxJSON? {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        return try SandboxJSON.parse(Data(body))
    }

    private static func parseQuery(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            return (name, value)
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

/// A response to write, or a connection to drop, after an optional delay.
struct SandboxOutcome: Sendable {
    enum Action: Sendable {
        case respond(status: Int, headers: [(name: String, value: String)], body: [UInt8])
        case drop
    }

    var action: Action
    var delayMilliseconds: Int = 0

    static func json(_ status: Int, _ value: SandboxJSON, headers: [(name: String, value: String)] = [])
        -> SandboxOutcome
    {
        SandboxOutcome(action: .respond(
            status: status,
            headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            body: Array(value.serialized().utf8)))
    }

    static let drop = SandboxOutcome(action: .drop)

    /// The status for counting: the number, or "dropped".
    var statusLabel: String {
        switch action {
        case .respond(let status, _, _): return String(status)
        case .drop: return "dropped"
        }
    }
}
