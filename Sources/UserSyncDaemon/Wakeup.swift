/// An interruptible sleep for the cycle loop: it waits until a deadline, or until someone
/// calls `wake()` (a reload, a shutdown request).
actor Wakeup {
    private var waiter: CheckedContinuation<Void, Never>?
    private var timer: Task<Void, Never>?
    private var generation = 0
    private var pending = false

    func sleep(for duration: Duration) async {
        if pending {
            pending = false
            return
        }
        generation += 1
        let current = generation
        await withCheckedContinuation { continuation in
            waiter = continuation
            timer = Task { [weak self] in
                try? await Task.sleep(for: duration)
                await self?.fire(current)
            }
        }
    }

    func wake() {
        if let waiter {
            self.waiter = nil
            timer?.cancel()
            waiter.resume()
        } else {
            pending = true
        }
    }

    private func fire(_ token: Int) {
        guard token == generation, let waiter else { return }
        self.waiter = nil
        waiter.resume()
    }
}
