import Foundation

/// A child process of the test: arguments, environment, output captured to files so that a
/// chatty process never blocks on a full pipe, and helpers to signal and wait.
final class RunningProcess: @unchecked Sendable {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], workingDirectory: URL? = nil, logDirectory: URL) throws {
        let stamp = UUID().uuidString.prefix(8)
        stdoutURL = logDirectory.appendingPathComponent("\(executable.lastPathComponent)-\(stamp).out")
        stderrURL = logDirectory.appendingPathComponent("\(executable.lastPathComponent)-\(stamp).err")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // The test runner's own systemd/journal context must not leak into the child.
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "CREDENTIALS_DIRECTORY"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the exit status; nil if still running after `timeout` seconds.
    func waitForExit(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Waits until `condition` holds on the captured stderr (log lines), or the timeout.
    func waitForStderr(timeout: Double, _ condition: (String) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(stderr) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(stderr)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Runs to completion (bounded) and returns status, stdout, stderr.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], logDirectory: URL, timeout: Double = 60) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try RunningProcess(executable, arguments, environment: environment, logDirectory: logDirectory)
        guard let status = await child.waitForExit(timeout: timeout) else {
            child.signal(SIGKILL)
            throw TimedOut(command: ([executable.lastPathComponent] + arguments).joined(separator: " "), stderr: child.stderr)
        }
        return (status, child.stdout, child.stderr)
    }

    struct TimedOut: Error, CustomStringConvertible {
        let command: String
        let stderr: String
        var description: String { "\(command) did not finish in time; stderr:\n\(stderr.suffix(3000))" }
    }
}
