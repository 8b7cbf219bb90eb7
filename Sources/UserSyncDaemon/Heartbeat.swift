import Foundation
import Synchronization

/// Tells the watchdog whether the cycle loop is alive: it is either sleeping between
/// passes, or made progress recently. A loop stuck in one pass stops the pings, and
/// systemd restarts the service.
final class Heartbeat: Sendable {
    private let state = Mutex<(last: Double, idle: Bool)>((Date().timeIntervalSince1970, false))

    func beat() {
        state.withLock { $0.last = Date().timeIntervalSince1970 }
    }

    func idle(_ value: Bool) {
        state.withLock { $0 = (Date().timeIntervalSince1970, value) }
    }

    func isAlive(within window: Double) -> Bool {
        state.withLock { $0.idle || Date().timeIntervalSince1970 - $0.last < window }
    }
}
