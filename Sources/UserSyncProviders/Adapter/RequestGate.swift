/// Admits one request to a provider. The engine supplies its rate limiter here, so that id
/// lookups, pushes and pulls all count against the same per-provider limit.
public protocol RequestGate: Sendable {
    func enter() async throws
}

/// Admits everything at once (tests, one-off tools).
public struct OpenGate: RequestGate {
    public init() {}
    public func enter() async throws {}
}
