package dev.wsroute.http;

import java.util.ArrayDeque;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * Encodes the proxy's own responses to the client; a response to HEAD never has a body, whatever its headers say.
 * Bytes (an upstream's answer, relayed as it came) pass unchanged.
 */
final class ClientResponseEncoder extends HttpResponseEncoder {
    private final ArrayDeque<HttpMethod> methods;

    ClientResponseEncoder(ArrayDeque<HttpMethod> methods) {
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
