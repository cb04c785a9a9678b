package dev.wsroute.http;

import java.util.ArrayDeque;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpMethod;

/**
 * The HTTP/1.1 server codec of a client connection: the strict {@link ClientHttpDecoder} and a response encoder
 * that knows which requests were HEAD. Removing it (after an upgrade) hands any bytes read past the head on, in
 * order, as plain buffers.
 */
public final class ClientHttpCodec extends CombinedChannelDuplexHandler<ClientHttpDecoder, ClientResponseEncoder> {
    public ClientHttpCodec(int maxHeaderSize, int maxRequestLine) {
        ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);
        init(new ClientHttpDecoder(maxHeaderSize, maxRequestLine, methods), new ClientResponseEncoder(methods));
    }
}
