import Foundation

extension SandboxRateLimit {
    /// Applies the `/_admin/limits` body. Unlike faults, limits are patched: absent fields keep
    /// their value, and `"requests_per_minute": null` means unlimited.
    func patched(with object: [String: SandboxJSON]) throws -> SandboxRateLimit {
        let reader = FieldReader(object: object, context: "limits")
        try reader.allowOnly([
            "provider", "requests_per_minute", "retry_after_mode", "window_mode", "window_seconds",
            "token_requests_per_minute",
        ])
        var limit = self
        if let value = object["requests_per_minute"] {
            limit.requestsPerMinute = value == .null ? nil : try AdminRoutes.nonNegative(value, "requests_per_minute")
        }
        if let text = try reader.string("retry_after_mode") {
            guard let mode = SandboxRetryAfterMode(parsing: text) else {
                throw SandboxError.invalid("limits: retry_after_mode must be seconds, date or none")
            }
            limit.retryAfterMode = mode
        }
        if let text = try reader.string("window_mode") {
            guard let mode = SandboxRateWindowMode(rawValue: text) else {
                throw SandboxError.invalid("limits: window_mode must be sliding or fixed")
            }
            limit.windowMode = mode
        }
        if let seconds = try reader.double("window_seconds") {
            guard seconds > 0 else { throw SandboxError.invalid("limits: window_seconds must be positive") }
            limit.windowSeconds = seconds
        }
        return limit
    }

    var json: SandboxJSON {
        [
            "requests_per_minute": requestsPerMinute.map(SandboxJSON.int) ?? .null,
            "retry_after_mode": .string(retryAfterMode.rawValue),
            "window_mode": .string(windowMode.rawValue),
            "window_seconds": .double(windowSeconds),
        ]
    }
}

extension SandboxRetryAfterMode {
    /// Accepts `seconds`, `date` (or `http-date`) and `none`.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "seconds": self = .seconds
        case "date", "http-date", "httpdate": self = .date
        case "none": self = .none
        default: return nil
        }
    }
}
