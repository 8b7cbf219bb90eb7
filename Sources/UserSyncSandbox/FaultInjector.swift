/// What the fault layer does with one provider request.
enum FaultDecision: Equatable {
    case proceed
    case drop
    case fail(status: Int, retryAfter: String?)
}

/// One provider's injected faults: the script first, then the drop and failure rates.
struct FaultInjector: Sendable {
    private(set) var settings: SandboxFaults
    /// The unconsumed rest of `settings.script`.
    private(set) var remainingScript: ArraySlice<SandboxScriptStep>
    private var generator: SeededGenerator

    init(_ settings: SandboxFaults, defaultSeed: UInt64?) {
        self.settings = settings
        self.remainingScript = settings.script[...]
        self.generator = SeededGenerator(seed: settings.seed ?? defaultSeed)
    }

    var latencyMilliseconds: Int { max(settings.latencyMilliseconds, 0) }

    /// Replaces the settings; the generator is only reseeded when a seed is given, so a test
    /// that changes rates mid-run keeps its reproducible sequence.
    mutating func replace(with settings: SandboxFaults) {
        self.settings = settings
        remainingScript = settings.script[...]
        if let seed = settings.seed { generator = SeededGenerator(seed: seed) }
    }

    mutating func decide(path: String = "") -> FaultDecision {
        if let poison = settings.poisonPath, path.contains(poison) {
            return .fail(status: settings.failureStatus, retryAfter: nil)
        }
        if let step = remainingScript.popFirst() {
            switch step {
            case .drop: return .drop
            case .status(200): return .proceed
            case .status(let status): return .fail(status: status, retryAfter: retryAfter(for: status))
            }
        }
        // Draw only for active rates, so enabling one rate does not shift the other's sequence.
        if settings.dropRate > 0, generator.unit() < settings.dropRate { return .drop }
        if settings.failureRate > 0, generator.unit() < settings.failureRate {
            let status = settings.failureStatus
            return .fail(status: status, retryAfter: retryAfter(for: status))
        }
        return .proceed
    }

    private func retryAfter(for status: Int) -> String? {
        status == 429 || status == 503 ? settings.retryAfter : nil
    }
}
