import ArgumentParser
import Dispatch
import Foundation
import UserSyncSandbox

/// Operator demo and integration-test helper: both provider emulations on one loopback port.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usersync-sandbox",
        abstract: "Emulates perform.chat and CommBox on loopback, with fault injection. Never production.",
        discussion: """
            Prints one line `usersync-sandbox listening on http://HOST:PORT` once bound; stops on SIGTERM/SIGINT.
            perform.chat is served under /performchat/rest/v1, CommBox under /commbox, the admin API under /_admin.
            """)

    @Option(help: "Loopback address to bind (127.0.0.1, ::1 or localhost).")
    var host = "127.0.0.1"
    @Option(help: "Port to bind; 0 picks a free one.")
    var port = 8089

    @Option(help: "perform.chat keyId accepted.")
    var performchatKeyId = "demo-key-id"
    @Option(help: "perform.chat keySecret accepted.")
    var performchatKeySecret = "demo-key-secret"
    @Option(help: "CommBox Bearer token accepted.")
    var commboxToken = "demo-commbox-token"
    @Option(help: "Key of the customer user in POST /auth/token responses: customerUser or user.")
    var performchatTokenUserKey = "customerUser"

    @Option(help: "perform.chat requests per minute (0 throttles everything, -1 is unlimited).")
    var performchatRpm = 1000
    @Option(help: "CommBox requests per minute (0 throttles everything, -1 is unlimited).")
    var commboxRpm = 600
    @Option(help: "perform.chat POST /auth/token requests per minute (-1 is unlimited).")
    var performchatTokenRpm = 100
    @Option(help: "Rate window: sliding or fixed.")
    var rateWindow = "sliding"
    @Option(help: "Rate window length in seconds.")
    var rateWindowSeconds: Double = 60
    @Option(help: "Retry-After on perform.chat 429s: seconds, date or none.")
    var performchatRetryAfterMode = "seconds"
    @Option(help: "Retry-After on CommBox 429s: seconds, date or none.")
    var commboxRetryAfterMode = "seconds"
    @Option(help: "Failed perform.chat authentications before lockout.")
    var authFailureLimit = 10
    @Option(help: "perform.chat lockout window in seconds.")
    var authFailureWindowSeconds: Double = 300

    @Option(help: "Seed for the fault generators (reproducible runs).")
    var seed: UInt64?
    @Option(help: "JSON file {\"performchat\": [...], \"commbox\": [...]} of users to create at start.")
    var seedFile: String?

    @OptionGroup(title: "perform.chat faults") var performchatFaults: PerformChatFaultOptions
    @OptionGroup(title: "CommBox faults") var commboxFaults: CommBoxFaultOptions

    func validate() throws {
        guard SandboxConfiguration.isLoopback(host) else {
            throw ValidationError("--host \(host) is not a loopback address: use 127.0.0.1, ::1 or localhost")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    }

    func run() async throws {
        let server = SandboxServer(configuration: try makeConfiguration())
        if let seedFile {
            do {
                try server.seed(fromJSON: try Data(contentsOf: URL(fileURLWithPath: seedFile)))
            } catch {
                throw ValidationError("--seed-file \(seedFile): \(error)")
            }
        }
        let stop = SignalWaiter(signals: [SIGINT, SIGTERM])
        try await server.start()
        // Written straight to the descriptor: scripts wait for this line, and stdout may be a pipe.
        FileHandle.standardOutput.write(Data("usersync-sandbox listening on \(server.rootURL)\n".utf8))
        await stop.wait()
        try await server.shutdown()
        FileHandle.standardError.write(Data("usersync-sandbox stopped\n".utf8))
    }

    private func makeConfiguration() throws -> SandboxConfiguration {
        func mode(_ text: String, _ option: String) throws -> SandboxRetryAfterMode {
            guard let mode = SandboxRetryAfterMode(parsing: text) else {
                throw ValidationError("\(option) must be seconds, date or none")
            }
            return mode
        }
        guard let windowMode = SandboxRateWindowMode(rawValue: rateWindow) else {
            throw ValidationError("--rate-window must be sliding or fixed")
        }
        guard let tokenUserKey = SandboxTokenUserKey(rawValue: performchatTokenUserKey) else {
            throw ValidationError("--performchat-token-user-key must be customerUser or user")
        }
        func limit(_ rpm: Int, _ retry: String, _ option: String) throws -> SandboxRateLimit {
            SandboxRateLimit(
                requestsPerMinute: rpm < 0 ? nil : rpm, retryAfterMode: try mode(retry, option),
                windowMode: windowMode, windowSeconds: rateWindowSeconds)
        }
        return SandboxConfiguration(
            host: host, port: port,
            credentials: SandboxCredentials(
                performChatKeyID: performchatKeyId, performChatKeySecret: performchatKeySecret,
                commBoxToken: commboxToken),
            performChatLimit: try limit(performchatRpm, performchatRetryAfterMode, "--performchat-retry-after-mode"),
            commBoxLimit: try limit(commboxRpm, commboxRetryAfterMode, "--commbox-retry-after-mode"),
            performChatTokenRequestsPerMinute: performchatTokenRpm < 0 ? nil : performchatTokenRpm,
            performChatFaults: try performchatFaults.options.faults(prefix: "--performchat", seed: seed),
            commBoxFaults: try commboxFaults.options.faults(prefix: "--commbox", seed: seed.map { $0 &+ 1 }),
            authFailureLimit: authFailureLimit, authFailureWindowSeconds: authFailureWindowSeconds,
            tokenUserKey: tokenUserKey, seed: seed)
    }
}

/// The fault options shared by both providers.
struct FaultValues {
    var failureRate: Double
    var failureStatus: Int
    var latencyMs: Int
    var dropRate: Double
    var script: String?
    var retryAfter: String?

    func faults(prefix: String, seed: UInt64?) throws -> SandboxFaults {
        guard (0...1).contains(failureRate), (0...1).contains(dropRate) else {
            throw ValidationError("\(prefix)-failure-rate and \(prefix)-drop-rate must be within 0...1")
        }
        guard (100...599).contains(failureStatus) else { throw ValidationError("\(prefix)-failure-status must be 100...599") }
        guard latencyMs >= 0 else { throw ValidationError("\(prefix)-latency-ms must not be negative") }
        let steps = try (script ?? "").split(separator: ",").map { text in
            guard let step = SandboxScriptStep(parsing: String(text)) else {
                throw ValidationError("\(prefix)-script: \(text) is neither a status nor drop")
            }
            return step
        }
        return SandboxFaults(
            failureRate: failureRate, failureStatus: failureStatus, latencyMilliseconds: latencyMs,
            dropRate: dropRate, script: steps, retryAfter: retryAfter, seed: seed)
    }
}

struct PerformChatFaultOptions: ParsableArguments {
    @Option(name: .customLong("performchat-failure-rate"), help: "Share of requests answered with the failure status.")
    var failureRate: Double = 0
    @Option(name: .customLong("performchat-failure-status")) var failureStatus = 503
    @Option(name: .customLong("performchat-latency-ms")) var latencyMs = 0
    @Option(name: .customLong("performchat-drop-rate"), help: "Share of connections closed without a response.")
    var dropRate: Double = 0
    @Option(name: .customLong("performchat-script"), help: "Statuses consumed one per request, e.g. 429,500,drop,200.")
    var script: String?
    @Option(name: .customLong("performchat-retry-after"), help: "Retry-After sent with injected 429/503.")
    var retryAfter: String?

    var options: FaultValues {
        FaultValues(failureRate: failureRate, failureStatus: failureStatus, latencyMs: latencyMs,
                    dropRate: dropRate, script: script, retryAfter: retryAfter)
    }
}

struct CommBoxFaultOptions: ParsableArguments {
    @Option(name: .customLong("commbox-failure-rate"), help: "Share of requests answered with the failure status.")
    var failureRate: Double = 0
    @Option(name: .customLong("commbox-failure-status")) var failureStatus = 503
    @Option(name: .customLong("commbox-latency-ms")) var latencyMs = 0
    @Option(name: .customLong("commbox-drop-rate"), help: "Share of connections closed without a response.")
    var dropRate: Double = 0
    @Option(name: .customLong("commbox-script"), help: "Statuses consumed one per request, e.g. 429,500,drop,200.")
    var script: String?
    @Option(name: .customLong("commbox-retry-after"), help: "Retry-After sent with injected 429/503.")
    var retryAfter: String?

    var options: FaultValues {
        FaultValues(failureRate: failureRate, failureStatus: failureStatus, latencyMs: latencyMs,
                    dropRate: dropRate, script: script, retryAfter: retryAfter)
    }
}

/// Turns SIGINT/SIGTERM into an awaitable event instead of the default abrupt exit.
final class SignalWaiter {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "usersync-sandbox.signals")
        self.stream = stream
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    func wait() async {
        for await _ in stream { return }
    }
}

// `main.swift` cannot use `@main`, and a bare `SandboxCommand.main()` here resolves to the
// synchronous entry point, so parse and run explicitly.
do {
    let command = try SandboxCommand.parse()
    try await command.run()
} catch {
    SandboxCommand.exit(withError: error)
}
