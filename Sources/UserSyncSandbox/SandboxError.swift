/// Errors of the sandbox's Swift API and admin routes.
public enum SandboxError: Error, Equatable, CustomStringConvertible {
    case nonLoopbackHost(String)
    case alreadyStarted
    case invalid(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .nonLoopbackHost(let host):
            return "sandbox host \(host) is not a loopback address: use 127.0.0.1, ::1 or localhost"
        case .alreadyStarted: return "sandbox already started"
        case .invalid(let message): return message
        case .notFound(let message): return message
        }
    }
}
