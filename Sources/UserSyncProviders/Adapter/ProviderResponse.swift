import Foundation

/// How a provider answered, in the terms delivery policy needs. Adapters classify; the
/// dispatcher decides what to do (retry, dead-letter, pause).
public enum ProviderResponse: Sendable, Equatable {
    case success
    /// 429, 5xx, 408, time-outs and broken connections: the same request may work later.
    case retryLater(status: Int?, retryAfter: RetryAfter?, message: String)
    /// The provider has no such user (404): the id mapping is stale.
    case notFound(message: String)
    /// 400, 409, 422 and other refusals: sending it again will not help.
    case permanent(status: Int, message: String)
    /// 401 / 403: the credentials are wrong; retrying would lock the key out.
    case authentication(status: Int, message: String)
    /// Cut short by our own stop before the provider answered: no answer at all, so no
    /// attempt is counted and nothing is learned about the provider.
    case cancelled

    public var status: Int? {
        switch self {
        case .success: return 200
        case .retryLater(let status, _, _): return status
        case .notFound: return 404
        case .permanent(let status, _), .authentication(let status, _): return status
        case .cancelled: return nil
        }
    }

    public var message: String {
        switch self {
        case .success: return "ok"
        case .retryLater(_, _, let m), .notFound(let m), .permanent(_, let m), .authentication(_, let m): return m
        case .cancelled: return "cancelled by our own stop"
        }
    }

    /// A short label for logs and metrics.
    public var outcome: String {
        switch self {
        case .success: return "success"
        case .retryLater: return "retry_later"
        case .notFound: return "not_found"
        case .permanent: return "permanent"
        case .authentication: return "authentication"
        case .cancelled: return "cancelled"
        }
    }

    /// The common HTTP classification; adapters refine it where their provider differs.
    public static func classify(status: Int, headers: [(String, String)], message: String, now: Date = Date()) -> ProviderResponse {
        switch status {
        case 200..<300: return .success
        case 401, 403: return .authentication(status: status, message: message)
        case 404: return .notFound(message: message)
        case 408, 425, 429, 500, 502, 503, 504:
            let header = headers.first { $0.0.lowercased() == "retry-after" }?.1
            return .retryLater(status: status, retryAfter: header.flatMap { RetryAfter(header: $0, now: now) }, message: message)
        case 500..<600: return .retryLater(status: status, retryAfter: nil, message: message)
        default: return .permanent(status: status, message: message)
        }
    }
}

/// A `Retry-After` header: delay-seconds or an HTTP-date, resolved to a delay.
public struct RetryAfter: Sendable, Equatable {
    public let seconds: Double

    public init(seconds: Double) {
        self.seconds = max(0, seconds)
    }

    public init?(header: String, now: Date = Date()) {
        let text = header.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds >= 0 {
            self.init(seconds: seconds)
            return
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                self.init(seconds: date.timeIntervalSince(now))
                return
            }
        }
        return nil
    }
}
