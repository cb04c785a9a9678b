package dev.wsroute.http;

import java.util.ArrayDeque;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * Encodes the proxy's own responses to the client; a response to HEAD never has a body, whatever its headers say.
 * Bytes (an upstream's answer, relayed as it came) pass unchanged. Netty's encoder is made at the first response
 * the proxy writes itself: its constructor looks its message type up per thread (two maps), and a WebSocket session,
 * whose 101 is relayed as bytes, never needs one.
 */
final class ClientResponseEncoder extends ChannelOutboundHandlerAdapter {
    private final ArrayDeque<HttpMethod> methods;
    /** Made at the first message that is not bytes. */
    private Encoder encoder;

    ClientResponseEncoder(ArrayDeque<HttpMethod> methods) {
        this.methods = methods;
    }

    /** Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class. */
    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf) {
            ctx.write(msg, promise);
            return;
        }
        if (encoder == null) {
            encoder = new Encoder(methods);
        }
        encoder.write(ctx, msg, promise);
    }

    private static final class Encoder extends HttpResponseEncoder {
        private final ArrayDeque<HttpMethod> methods;

        Encoder(ArrayDeque<HttpMethod> methods) {
            this.methods = methods;
        }

        @Override
        public boolean acceptOutboundMessage(Object msg) throws Exception {
            return !(msg instanceof ByteBuf) && super.acceptOutboundMessage(msg);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg); // 100 Continue: the final response is still to come
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
