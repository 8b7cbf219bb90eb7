import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The sandbox: both provider emulations and the admin API on one loopback port.
///
/// ```swift
/// let sandbox = SandboxServer()
/// let port = try await sandbox.start()
/// let url = sandbox.baseURL(for: .performChat)   // http://127.0.0.1:PORT/performchat/rest/v1
/// defer { try await sandbox.shutdown() }
/// ```
public final class SandboxServer: Sendable {
    public let configuration: SandboxConfiguration
    let core: SandboxCore
    private let listener: Mutex<(any Channel)?>
    private let boundPort: Mutex<Int?>
    /// Open client connections, closed at shutdown so pooled keep-alive clients do not keep them.
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// The threads every sandbox of the process serves on: its own, not NIO's singleton
    /// that HTTP clients use. On the shared loops, a sandbox busy answering (a 3,000-user
    /// list, other tests' sandboxes) held up the clients' timers: in one CI run a 100 ms
    /// request timeout fired only after a 5 s answer had come.
    static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

    public init(configuration: SandboxConfiguration = SandboxConfiguration()) {
        self.configuration = configuration
        self.core = SandboxCore(configuration: configuration)
        self.listener = Mutex(nil)
        self.boundPort = Mutex(nil)
    }

    /// Binds and starts serving; returns the bound port (the real one when configured with 0).
    /// Throws `SandboxError.nonLoopbackHost` for any host that is not loopback.
    @discardableResult
    public func start() async throws -> Int {
        guard SandboxConfiguration.isLoopback(configuration.host) else {
            throw SandboxError.nonLoopbackHost(configuration.host)
        }
        guard listener.withLock({ $0 == nil }) else { throw SandboxError.alreadyStarted }
        let core = self.core
        let bootstrap = ServerBootstrap(group: Self.eventLoops)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                self.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SandboxHTTPHandler(core: core))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        let host = configuration.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let channel = try await bootstrap.bind(host: host, port: configuration.port).get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw SandboxError.invalid("sandbox bound no port")
        }
        let won = listener.withLock { current -> Bool in
            guard current == nil else { return false }
            current = channel
            return true
        }
        guard won else {
            try? await channel.close()
            throw SandboxError.alreadyStarted
        }
        boundPort.withLock { $0 = port }
        return port
    }

    /// Stops listening and closes open connections. Safe to call twice.
    public func shutdown() async throws {
        guard let channel = listener.withLock({ current -> (any Channel)? in
            defer { current = nil }
            return current
        }) else { return }
        try? await channel.close()
        let open = connections.withLock { all -> [any Channel] in
            defer { all.removeAll() }
            return Array(all.values)
        }
        for connection in open {
            try? await connection.close()
        }
    }

    /// The bound port, once started.
    public var port: Int? { boundPort.withLock { $0 } }

    /// `http://127.0.0.1:PORT`, with the bound port once started.
    public var rootURL: String {
        let host = configuration.host.contains(":") && !configuration.host.hasPrefix("[")
            ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port ?? configuration.port)"
    }

    /// `http://127.0.0.1:PORT/performchat/rest/v1` or `http://127.0.0.1:PORT/commbox`.
    public func baseURL(for provider: SandboxProvider) -> String {
        rootURL + provider.pathPrefix
    }

    /// `http://127.0.0.1:PORT/_admin`.
    public var adminURL: String { rootURL + "/_admin" }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        connections.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = self.connections.withLock { $0.removeValue(forKey: key) }
        }
    }
}
