import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import UserSyncSandbox
import UserSyncTesting

/// A started sandbox plus an HTTP client speaking to it over real loopback.
struct SandboxHarness {
    let sandbox: SandboxServer
    let client: HTTPClient
    let credentials = ["keyId": SandboxJSON.string("demo-key-id"), "keySecret": "demo-key-secret"]

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: SandboxJSON?
        var text: String
    }

    var performChatURL: String { sandbox.baseURL(for: .performChat) }
    var commBoxURL: String { sandbox.baseURL(for: .commBox) }
    var adminURL: String { sandbox.adminURL }

    func send(
        _ method: HTTPMethod, _ url: String, json: SandboxJSON? = nil, rawBody: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let text = rawBody ?? json?.serialized() {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: text))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        let text = String(buffer: buffer)
        return Reply(
            status: Int(response.status.code), headers: response.headers,
            body: text.isEmpty ? nil : try? SandboxJSON.parse(text), text: text)
    }

    /// perform.chat request with valid credentials merged into the body.
    func performChat(_ method: HTTPMethod, _ path: String, _ fields: [String: SandboxJSON] = [:]) async throws -> Reply {
        try await send(method, performChatURL + path, json: .object(credentials.merging(fields) { _, new in new }))
    }

    func commBox(_ method: HTTPMethod, _ path: String, json: SandboxJSON? = nil, token: String = "demo-commbox-token")
        async throws -> Reply
    {
        try await send(method, commBoxURL + path, json: json, headers: [("Authorization", "Bearer \(token)")])
    }
}

/// Starts a sandbox on an ephemeral port, runs `body`, then shuts both client and server down.
func withSandbox<T>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(),
    _ body: (SandboxHarness) async throws -> T
) async throws -> T {
    try await withSandboxSession(configuration) { session in
        try await body(SandboxHarness(sandbox: session.sandbox, client: session.client))
    }
}
