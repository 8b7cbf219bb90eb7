import Foundation

/// One entry of a fault script, consumed one per provider request.
public enum SandboxScriptStep: Sendable, Equatable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// Respond with this status; `200` means "handle the request normally".
    case status(Int)
    /// Close the connection without responding.
    case drop

    public init(integerLiteral value: Int) { self = .status(value) }

    /// Accepts `"429"`, `"200"`, `"drop"`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "drop" {
            self = .drop
        } else if let status = Int(trimmed), (100...599).contains(status) {
            self = .status(status)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .status(let status): return String(status)
        case .drop: return "drop"
        }
    }
}

/// Faults injected in front of a provider's normal handling.
public struct SandboxFaults: Sendable, Equatable {
    /// Probability (0...1) of answering `failureStatus` instead of handling the request.
    public var failureRate: Double
    public var failureStatus: Int
    /// Delay added before every response (and before every dropped connection).
    public var latencyMilliseconds: Int
    /// Probability (0...1) of closing the connection without a response.
    public var dropRate: Double
    /// Consumed first, one step per request; when empty, the rates apply.
    public var script: [SandboxScriptStep]
    /// `Retry-After` value sent verbatim with injected 429 and 503 responses; `nil` sends none.
    public var retryAfter: String?
    /// Seeds the generator behind the rates, so a run can be replayed. `nil` keeps the current one.
    public var seed: UInt64?
    /// Requests whose path contains this text always fail with `failureStatus` (one poison
    /// user, say `/users/12`), whatever the script and the rates.
    public var poisonPath: String?

    public init(
        failureRate: Double = 0,
        failureStatus: Int = 503,
        latencyMilliseconds: Int = 0,
        dropRate: Double = 0,
        script: [SandboxScriptStep] = [],
        retryAfter: String? = nil,
        seed: UInt64? = nil,
        poisonPath: String? = nil
    ) {
        self.poisonPath = poisonPath
        self.failureRate = failureRate
        self.failureStatus = failureStatus
        self.latencyMilliseconds = latencyMilliseconds
        self.dropRate = dropRate
        self.script = script
        self.retryAfter = retryAfter
        self.seed = seed
    }

    public static let none = SandboxFaults()
}
