import Foundation
import Synchronization

/// Routes a request to the admin API or a provider and owns the state behind one mutex.
/// Shared by the NIO handlers of every connection and by the in-process accessors.
final class SandboxCore: Sendable {
    let configuration: SandboxConfiguration
    private let state: Mutex<SandboxState>

    init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        self.state = Mutex(SandboxState(configuration: configuration))
    }

    var now: Date { configuration.clock.now() }

    func withState<T>(_ body: (inout SandboxState) throws -> T) rethrows -> T {
        try state.withLock { try body(&$0) }
    }

    func handle(_ request: SandboxRequest) -> SandboxOutcome {
        let now = self.now
        if let segments = request.segments(after: "/_admin") {
            return withState { AdminRoutes.handle(request, segments: segments, state: &$0, now: now) }
        }
        for provider in SandboxProvider.allCases {
            if let segments = request.segments(after: provider.pathPrefix) {
                return withState { $0.handle(request, provider: provider, segments: segments, now: now) }
            }
        }
        return .json(404, [
            "error": "no such route: the providers are under /performchat/rest/v1 and /commbox, the admin API under /_admin",
        ])
    }
}
