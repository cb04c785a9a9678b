package dev.wsroute.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;

/**
 * The first stage of a connection when {@code wsroute.listen.proxy-protocol} is on: reads the PROXY protocol header
 * (v1 text or v2 binary, Netty's {@link HAProxyMessageDecoder}) that an L4 balancer sends before the client's bytes,
 * makes its source address the connection's {@link ClientAddress}, then puts the usual stages (TLS, HTTP, receiver) in
 * its place and leaves with the decoder: after the header nothing of it stays in the pipeline.
 * <p>
 * A {@code LOCAL} header (the balancer's own health check) or one for an unknown or non-IP protocol keeps the TCP peer
 * as the client. No header (the first bytes are no PROXY signature), a malformed one, or none complete within
 * {@code wsroute.limits.request-header-timeout}: the connection is closed, nothing answered (the bytes that came are
 * no HTTP to answer), and counted in {@code wsroute_proxy_protocol_errors_total{reason}}.
 */
final class ProxyProtocolStage extends ChannelInboundHandlerAdapter implements Runnable {
    /** Why a connection was closed before its first request, as the metric's {@code reason} label says it. */
    enum Failure {
        /** The first bytes are no PROXY signature: a client that reached the port around the balancer, or a balancer not sending it. */
        MISSING("missing"),
        /** A PROXY signature, then something the protocol does not allow. */
        MALFORMED("malformed"),
        /** No complete header within the request-header timeout. */
        TIMEOUT("timeout"),
        /** The peer is not in {@code wsroute.listen.proxy-protocol-from} (closed at accept). */
        UNTRUSTED_PEER("untrusted-peer");

        private final String label;

        Failure(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** Puts the usual stages (TLS, HTTP, receiver) around this one, the HTTP codec right after it ({@link ClientInitializer}). */
    interface Rest {
        void addAfter(ChannelHandlerContext stage);
    }

    private final ProxyMetrics metrics;
    private final Rest rest;
    private final long timeoutNanos;
    private final LoopClock.Deadline deadline = new LoopClock.Deadline(this::late, this);
    /** Before this stage: Netty's decoder, which also looks at the first bytes and counts what it refuses. */
    final ChannelHandler decoder = new Decoder();
    private ChannelHandlerContext ctx;
    private LoopClock clock;
    private boolean settled;

    ProxyProtocolStage(ProxyMetrics metrics, long timeoutNanos, Rest rest) {
        this.metrics = metrics;
        this.timeoutNanos = timeoutNanos;
        this.rest = rest;
    }

    /** Added on the event loop (by the initializer, on a registered channel): the header's deadline starts now. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        clock = LoopClock.of(ctx.channel().eventLoop());
        clock.arm(deadline, timeoutNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        clock.disarm(deadline);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg); // nothing else comes here before the header: the decoder holds the bytes
            return;
        }
        try {
            if (settled) {
                return;
            }
            settled = true;
            clock.disarm(deadline);
            InetSocketAddress source = source(header);
            if (source != null) {
                ClientAddress.fromProxyHeader(ctx.channel(), source);
            }
        } finally {
            header.release();
        }
        rest.addAfter(ctx);
        ctx.fireChannelActive(); // the stages just added were not there for the connection's own
        ctx.pipeline().remove(this); // the decoder removes itself next, handing on what came after the header
    }

    /**
     * The client the header names: its source for a proxied TCP or UDP connection over IPv4 or IPv6; null (the peer
     * stays the client) for {@code LOCAL}, {@code UNKNOWN} and Unix sockets.
     */
    static InetSocketAddress source(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY) {
            return null;
        }
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        if (family != HAProxyProxiedProtocol.AddressFamily.AF_IPv4 && family != HAProxyProxiedProtocol.AddressFamily.AF_IPv6) {
            return null;
        }
        InetAddress ip = TrustedPeers.literal(header.sourceAddress());
        return ip == null ? null : new InetSocketAddress(ip, header.sourcePort());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clock.disarm(deadline);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // before the header: nothing of this connection to tell anyone
    }

    /** No complete header in time. */
    private void late() {
        if (!settled) {
            settled = true;
            fail(ctx, Failure.TIMEOUT);
        }
    }

    /** The listeners closed: a connection that has not even sent its header goes, as an idle one does. */
    @Override
    public void run() {
        if (!settled) {
            settled = true;
            ctx.close();
        }
    }

    private void fail(ChannelHandlerContext ctx, Failure why) {
        metrics.proxyProtocolFailed(why, ctx.channel().remoteAddress());
        ctx.close();
    }

    /** Whether the first bytes of a connection can begin a PROXY header (v1 or v2): compares as many as there are, up to 12. */
    static boolean couldBeHeader(ByteBuf b) {
        int n = Math.min(b.readableBytes(), V2_SIGNATURE.length);
        boolean v1 = true;
        boolean v2 = true;
        for (int i = 0; i < n; i++) {
            byte c = b.getByte(b.readerIndex() + i);
            v1 &= i >= V1_SIGNATURE.length || c == V1_SIGNATURE[i];
            v2 &= c == V2_SIGNATURE[i];
        }
        return v1 || v2;
    }

    /** Netty's decoder, told apart for the metric: bytes that are no header at all, and a header it refuses. */
    private final class Decoder extends HAProxyMessageDecoder {
        private boolean looked;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!looked && msg instanceof ByteBuf b && b.isReadable()) {
                looked = true;
                if (!couldBeHeader(b)) {
                    b.release();
                    if (!settled) {
                        settled = true;
                        fail(ctx, Failure.MISSING);
                    }
                    return;
                }
            }
            if (settled && !ctx.channel().isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof HAProxyProtocolException || cause instanceof DecoderException && cause.getCause() instanceof HAProxyProtocolException) {
                if (!settled) {
                    settled = true;
                    fail(ctx, Failure.MALFORMED);
                }
                ctx.close();
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }
}
