extension SandboxFaults {
    /// Reads the `/_admin/faults` body. The result replaces the provider's faults whole:
    /// absent fields take their defaults (no faults).
    static func parse(_ body: SandboxJSON?) throws -> (SandboxProvider, SandboxFaults) {
        let object = try AdminRoutes.object(body)
        let reader = FieldReader(object: object, context: "faults")
        try reader.allowOnly([
            "provider", "failure_rate", "failure_status", "latency_ms", "drop_rate", "script", "retry_after", "seed",
        ])
        let provider = try SandboxProvider.parse(object["provider"])
        var faults = SandboxFaults()
        faults.failureRate = try rate(reader.double("failure_rate"), "failure_rate")
        faults.dropRate = try rate(reader.double("drop_rate"), "drop_rate")
        if let status = try reader.int("failure_status") {
            guard (100...599).contains(status) else { throw SandboxError.invalid("faults: failure_status must be 100...599") }
            faults.failureStatus = status
        }
        if let latency = try reader.int("latency_ms") {
            guard latency >= 0 else { throw SandboxError.invalid("faults: latency_ms must not be negative") }
            faults.latencyMilliseconds = latency
        }
        faults.retryAfter = try reader.string("retry_after")
        if let seed = object["seed"], seed != .null {
            guard let number = seed.intValue ?? seed.stringValue.flatMap(Int.init), number >= 0 else {
                throw SandboxError.invalid("faults: seed must be a non-negative integer")
            }
            faults.seed = UInt64(number)
        }
        if let script = object["script"], script != .null {
            guard let steps = script.arrayValue else { throw SandboxError.invalid("faults: script must be an array") }
            faults.script = try steps.map { step in
                let text = step.intValue.map(String.init) ?? step.stringValue ?? ""
                guard let parsed = SandboxScriptStep(parsing: text) else {
                    throw SandboxError.invalid("faults: script entries must be statuses (100...599) or \"drop\"")
                }
                return parsed
            }
        }
        return (provider, faults)
    }

    private static func rate(_ value: Double?, _ name: String) throws -> Double {
        guard let value else { return 0 }
        guard (0...1).contains(value) else { throw SandboxError.invalid("faults: \(name) must be within 0...1") }
        return value
    }
}

extension FaultInjector {
    /// Current settings plus what is left of the script.
    var json: SandboxJSON {
        [
            "failure_rate": .double(settings.failureRate),
            "failure_status": .int(settings.failureStatus),
            "latency_ms": .int(settings.latencyMilliseconds),
            "drop_rate": .double(settings.dropRate),
            "script": .array(settings.script.map(Self.stepJSON)),
            "script_remaining": .array(remainingScript.map(Self.stepJSON)),
            "retry_after": settings.retryAfter.map(SandboxJSON.string) ?? .null,
            "seed": settings.seed.map { .string(String($0)) } ?? .null,
        ]
    }

    private static func stepJSON(_ step: SandboxScriptStep) -> SandboxJSON {
        switch step {
        case .status(let status): return .int(status)
        case .drop: return "drop"
        }
    }
}
