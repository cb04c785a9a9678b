package dev.wsroute.http;

import java.util.ArrayDeque;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpMethod;

/**
 * The HTTP/1.1 server codec of a client connection: the strict {@link ClientHttpDecoder} and a response encoder
 * that knows which requests were HEAD. Removing it (after an upgrade) hands any bytes read past the head on, in
 * order, as plain buffers.
 */
public final class ClientHttpCodec extends CombinedChannelDuplexHandler<ClientHttpDecoder, ClientResponseEncoder> {
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);

    /**
     * @param maxBody the largest request body in bytes (413 above it)
     * @param headStarted told when the first bytes of a request head arrive
     */
    public ClientHttpCodec(int maxHeaderSize, int maxRequestLine, long maxBody, Runnable headStarted) {
        init(new ClientHttpDecoder(maxHeaderSize, maxRequestLine, maxBody, methods, headStarted), new ClientResponseEncoder(methods));
    }

    /**
     * Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, at its
     * construction and at every add.
     */
    @Override
    public boolean isSharable() {
        return false;
    }

    /**
     * A final answer went to the client as bytes (a relayed upstream answer passes the encoder unchanged): the
     * request it answers is no longer the encoder's to answer.
     */
    public void responseRelayed() {
        methods.poll();
    }

    /**
     * The last request was answered and the connection stays HTTP: if it was a WebSocket upgrade (the decoder holds
     * what came after one until it is answered), read on from the bytes held since.
     *
     * @param ctx this codec's context
     */
    public void resume(ChannelHandlerContext ctx) {
        if (inboundHandler().resume()) {
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER); // the decoder reads what it holds
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }
    }
}
