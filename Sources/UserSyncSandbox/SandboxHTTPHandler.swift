import NIOCore
import NIOHTTP1

/// One connection: collects a whole request, asks `SandboxCore` what to do, then answers,
/// after the injected latency, or drops the connection. `HTTPServerPipelineHandler` ahead of
/// it holds pipelined requests back until each response has ended, so delays keep the order.
final class SandboxHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Larger bodies are refused with 413 rather than buffered.
    static let maxBodyBytes = 8 * 1024 * 1024

    private let core: SandboxCore
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    private var active = true

    init(core: SandboxCore) {
        self.core = core
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = context.channel.allocator.buffer(capacity: 0)
            bodyTooLarge = false
        case .body(var chunk):
            if (body?.readableBytes ?? 0) + chunk.readableBytes > Self.maxBodyBytes {
                bodyTooLarge = true
                body?.clear()
            } else if !bodyTooLarge {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            body = nil
            let outcome: SandboxOutcome
            if bodyTooLarge {
                outcome = .json(413, ["error": "request body too large"])
            } else {
                outcome = core.handle(SandboxRequest(
                    method: requestHead.method.rawValue, uri: requestHead.uri,
                    headers: requestHead.headers.map { ($0.name, $0.value) }, body: bytes))
            }
            if outcome.delayMilliseconds > 0 {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(outcome.delayMilliseconds))) {
                    self.finish(context: context, outcome: outcome, requestHead: requestHead)
                }
            } else {
                finish(context: context, outcome: outcome, requestHead: requestHead)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func finish(context: ChannelHandlerContext, outcome: SandboxOutcome, requestHead: HTTPRequestHead) {
        guard active else { return }
        switch outcome.action {
        case .drop:
            context.close(promise: nil)
        case .respond(let status, let headerPairs, let bytes):
            let keepAlive = requestHead.isKeepAlive
            var headers = HTTPHeaders(headerPairs.map { ($0.name, $0.value) })
            headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
            headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
            let responseHead = HTTPResponseHead(
                version: requestHead.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            if !bytes.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))),
                              promise: nil)
            }
            let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        }
    }
}
