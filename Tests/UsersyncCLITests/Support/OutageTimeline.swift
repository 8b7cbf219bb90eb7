import Foundation
import Testing
import UserSyncSandbox

/// What the sandbox saw of one provider around an outage a test put it through: the requests
/// while it lasted, and the first one answered after it. Times are the sandbox's arrival times.
struct OutageTimeline {
    let down: Date
    let recovered: Date
    /// Requests that arrived while the provider was failing, in arrival order.
    let during: [SandboxRequestLogEntry]
    /// The first request answered 2xx after the recovery (nil: none yet).
    let firstSuccess: SandboxRequestLogEntry?

    init(_ harness: DaemonHarness, _ provider: SandboxProvider, down: Date, recovered: Date) {
        self.down = down
        self.recovered = recovered
        let all = harness.requests(provider, since: down).sorted { $0.time < $1.time }
        during = all.filter { $0.time < recovered }
        firstSuccess = all.first { $0.time >= recovered && $0.status.hasPrefix("2") }
    }

    /// The requests after the first `burst` ones (the failures that opened the circuit and the
    /// requests in flight then): the probes.
    func probes(afterBurst burst: Int) -> ArraySlice<SandboxRequestLogEntry> {
        during.dropFirst(burst)
    }

    /// Seconds between consecutive probes that arrived after `from`: each is at least the probe
    /// wait (with equal jitter, at least half of it), or a burst went out.
    func gaps(afterBurst burst: Int, from: Date = .distantPast) -> [Double] {
        let probes = probes(afterBurst: burst).filter { $0.time >= from }
        return zip(probes.dropFirst(), probes).map { $0.time.timeIntervalSince($1.time) }
    }

    /// Seconds from the recovery to the first request answered 2xx (the successful probe).
    var probeAfterRecovery: Double? {
        firstSuccess.map { $0.time.timeIntervalSince(recovered) }
    }

    /// One line for failure messages: what was sent, and when.
    var summary: String {
        let first = during.first.map { $0.time.timeIntervalSince(down) } ?? -1
        return "\(during.count) requests during the outage (first \(String(format: "%.2f", first)) s after it began); "
            + "first success \(probeAfterRecovery.map { String(format: "%.2f", $0) } ?? "none") s after the recovery"
    }

    /// What every outage must end with: the next probe after the recovery at most `maxDelay`
    /// away (plus `lateness`, a loaded machine's scheduling), the queue drained at full rate
    /// right after it, no dead letter, and the circuit logged once opening and once closing.
    func expectRecovery(
        drained: Double, maxDelay: Double, lateness: Double, harness: DaemonHarness, log: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let probe = try #require(probeAfterRecovery, "\(summary)", sourceLocation: sourceLocation)
        #expect(probe <= maxDelay + lateness, "\(summary)", sourceLocation: sourceLocation)
        #expect(drained <= probe + 5, "drained \(drained) s after recovery, \(probe) s after the first probe answered", sourceLocation: sourceLocation)
        let state = try #require(try harness.state(), sourceLocation: sourceLocation)
        #expect(try state.deadLetters().isEmpty, "an outage costs no change", sourceLocation: sourceLocation)
        let lines = logLines(log)
        #expect(lines.filter { $0.contains("circuit open") }.count == 1, "\(log.suffix(3000))", sourceLocation: sourceLocation)
        #expect(lines.filter { $0.contains("circuit closed") }.count == 1, sourceLocation: sourceLocation)
        #expect(lines.filter { $0.contains("delivery failed, will retry") }.count <= 1, sourceLocation: sourceLocation)
    }
}
