import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes connections that hold a slot of the server without making progress, on every
/// route alike:
/// - a request body that has not arrived in full `requestTimeout` after its head
///   (a slow-loris body: one byte now and then keeps Hummingbird's idle timer happy);
/// - a connection that has refused our output for `writeTimeout` on end (a client that
///   never reads its replies or its SSE stream; NIO marks the channel unwritable once
///   64 KiB wait in its buffer).
/// Slow-loris headers are Hummingbird's idle timeout's job: partial heads never count as
/// activity there.
final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let requestTimeout: TimeAmount
    private let writeTimeout: TimeAmount
    private var bodyDeadline: Scheduled<Void>?
    private var writeDeadline: Scheduled<Void>?

    init(requestTimeout: TimeAmount, writeTimeout: TimeAmount) {
        self.requestTimeout = requestTimeout
        self.writeTimeout = writeTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            bodyDeadline?.cancel()
            bodyDeadline = closeLater(context, after: requestTimeout)
        case .end:
            bodyDeadline?.cancel()
            bodyDeadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeDeadline?.cancel()
            writeDeadline = nil
        } else if writeDeadline == nil {
            writeDeadline = closeLater(context, after: writeTimeout)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelAll() }

    private func cancelAll() {
        bodyDeadline?.cancel(); bodyDeadline = nil
        writeDeadline?.cancel(); writeDeadline = nil
    }

    private func closeLater(_ context: ChannelHandlerContext, after delay: TimeAmount) -> Scheduled<Void> {
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            context.close(promise: nil)
        }
    }
}
