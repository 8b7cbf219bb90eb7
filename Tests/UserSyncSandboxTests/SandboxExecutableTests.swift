import AsyncHTTPClient
import Foundation
import Testing
import UserSyncSandbox

/// The built `usersync-sandbox` next to the test bundle; `swift test` builds it with the tests.
private let sandboxBinary: URL? = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let binary = directory.appendingPathComponent("usersync-sandbox")
    return FileManager.default.isExecutableFile(atPath: binary.path) ? binary : nil
}()

@Suite("usersync-sandbox executable", .enabled(if: sandboxBinary != nil, "usersync-sandbox is not built next to the tests"))
struct SandboxExecutableTests {
    /// Reads stdout until the listening line, or fails after `timeout`.
    private func listeningURL(_ pipe: Pipe, timeout: Duration = .seconds(20)) async throws -> String {
        let handle = pipe.fileHandleForReading
        let deadline = ContinuousClock.now + timeout
        var text = ""
        while ContinuousClock.now < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("usersync-sandbox listening on ") }) {
                return String(line.dropFirst("usersync-sandbox listening on ".count))
            }
        }
        throw SandboxError.invalid("no listening line; got: \(text)")
    }

    @Test("prints the listening line with the real port, serves the seed file, and stops on SIGTERM")
    func startServeStop() async throws {
        let seedFile = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-seed-\(UUID()).json")
        try Data(#"{"performchat": [{"external_id": "u1", "name": "Ann"}], "commbox": []}"#.utf8).write(to: seedFile)
        defer { try? FileManager.default.removeItem(at: seedFile) }

        let process = Process()
        process.executableURL = sandboxBinary
        process.arguments = ["--port", "0", "--seed-file", seedFile.path, "--commbox-script", "503"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let root = try await listeningURL(output)
        #expect(root.hasPrefix("http://127.0.0.1:"))
        #expect(!root.hasSuffix(":0"))

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let users = try await client.execute(HTTPClientRequest(url: root + "/_admin/performchat/users"), timeout: .seconds(10))
            let body = try SandboxJSON.parse(String(buffer: try await users.body.collect(upTo: 1 << 20)))
            #expect(body[0]?["external_id"] == "u1")
            let scripted = try await client.execute(HTTPClientRequest(url: root + "/commbox/users/1"), timeout: .seconds(10))
            #expect(scripted.status.code == 503)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    @Test("refuses a non-loopback host")
    func refusesPublicHost() throws {
        let process = Process()
        process.executableURL = sandboxBinary
        process.arguments = ["--host", "0.0.0.0", "--port", "0"]
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
    }
}
