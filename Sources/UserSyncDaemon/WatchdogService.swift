import ServiceLifecycle

/// Pings systemd's watchdog at half its interval while the cycle loop is alive.
struct WatchdogService: Service {
    let interval: Duration
    let heartbeat: Heartbeat
    let notifier: SystemdNotifier

    func run() async throws {
        let window = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if heartbeat.isAlive(within: window) { notifier.watchdog() }
            try await cancelWhenGracefulShutdown {
                try await Task.sleep(for: interval / 2)
            }
        }
    }
}
