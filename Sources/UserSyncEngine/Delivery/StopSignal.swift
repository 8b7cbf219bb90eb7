import Synchronization

/// Set when the service is asked to stop: dispatchers finish the requests in flight but
/// start no new ones, and everything else stays queued for the next start.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { flag.load(ordering: .acquiring) }

    public func set() { flag.store(true, ordering: .releasing) }

    /// Never set: for one-off runs.
    public static let never = StopSignal()
}
