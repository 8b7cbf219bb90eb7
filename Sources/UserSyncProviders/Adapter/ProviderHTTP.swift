import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import UserSyncCore

/// The one door through which an adapter talks to its provider: the rate gate, the
/// per-request time-out, debug logging without secrets or query strings, and the
/// translation of transport failures into `ProviderResponse.retryLater`.
public struct ProviderHTTP: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: [UInt8]

        public var json: JSONValue? { try? JSONParser.parse(body) }
    }

    public let provider: ProviderID
    public let baseURL: String
    let client: HTTPClient
    let gate: any RequestGate
    let timeout: Duration
    let logger: Logger
    private static let maxBody = 8 * 1024 * 1024

    public init(provider: ProviderID, baseURL: String, client: HTTPClient, gate: any RequestGate, timeout: Duration, logger: Logger) {
        self.provider = provider
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
        self.gate = gate
        self.timeout = timeout
        self.logger = logger
    }

    /// Sends one request. Never throws: a failure to get an answer is itself an answer
    /// (`.failure` with a retry-later classification), except cancellation.
    public func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [], json: JSONValue? = nil
    ) async -> Result<Response, ProviderFailure> {
        do {
            try await gate.enter()
        } catch {
            return .failure(ProviderFailure(response: .cancelled))
        }
        var url = baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "usersync")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json.canonicalText))
        }
        let started = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            let body = try await response.body.collect(upTo: Self.maxBody)
            let result = Response(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer: body))
            Counter(label: "usersync_http_requests_total", dimensions: [("provider", provider.rawValue), ("status", "\(result.status)")]).increment()
            logger.debug("provider request", metadata: [
                "provider": "\(provider)", "method": "\(method.rawValue)", "path": "\(path)",
                "status": "\(result.status)", "duration_ms": "\(Self.milliseconds(since: started))",
            ])
            return .success(result)
        } catch {
            // A request cut short by our own stop is not the provider's failure.
            if error is CancellationError || Task.isCancelled {
                return .failure(ProviderFailure(response: .cancelled))
            }
            let message = Self.describe(error)
            Counter(label: "usersync_http_requests_total", dimensions: [("provider", provider.rawValue), ("status", "error")]).increment()
            logger.debug("provider request failed", metadata: [
                "provider": "\(provider)", "method": "\(method.rawValue)", "path": "\(path)",
                "error": "\(message)", "duration_ms": "\(Self.milliseconds(since: started))",
            ])
            return .failure(ProviderFailure(response: .retryLater(status: nil, retryAfter: nil, message: message)))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "request timed out"
            case .remoteConnectionClosed: return "connection closed by the provider before it answered"
            default: return "HTTP client error: \(error)"
            }
        }
        return "connection error: \(error)"
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// A request that got no usable answer, already classified.
public struct ProviderFailure: Error, Sendable, Equatable {
    public let response: ProviderResponse
}
