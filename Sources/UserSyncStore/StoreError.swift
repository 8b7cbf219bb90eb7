/// A state database problem, phrased for the operator.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "state database \(path): \(message)" }
}
