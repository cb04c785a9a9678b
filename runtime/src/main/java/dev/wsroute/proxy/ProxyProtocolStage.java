package dev.wsroute.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
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
 * no HTTP to answer), and counted in {@code wsroute_proxy_protocol_errors_total{reason}}. When the header is optional,
 * a connection whose first bytes are no signature is served as it is (the decoder hands them on), and one silent until
 * the deadline is closed as a silent direct client is, uncounted.
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
    /** wsroute.listen.proxy-protocol-optional: a connection without the header is served as it is. */
    private final boolean optional;
    private final LoopClock.Deadline deadline = new LoopClock.Deadline(this::late, this);
    /** Before this stage: Netty's decoder, which also looks at the first bytes and counts what it refuses. */
    final ChannelHandler decoder = new Decoder();
    private ChannelHandlerContext ctx;
    private LoopClock clock;
    private boolean settled;

    ProxyProtocolStage(ProxyMetrics metrics, long timeoutNanos, boolean optional, Rest rest) {
        this.metrics = metrics;
        this.timeoutNanos = timeoutNanos;
        this.optional = optional;
        this.rest = rest;
    }

    /** Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, at every add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    /** On the event loop: at the registration of the connection (added before it) or at once: the header's deadline starts now. */
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
        settle(ctx); // the decoder removes itself next, handing on what came after the header
    }

    /** The usual stages in this one's place, which leaves (its decoder is left to the caller). */
    private void settle(ChannelHandlerContext ctx) {
        rest.addAfter(ctx);
        ctx.fireChannelActive(); // the stages just added were not there for the connection's own
        ctx.pipeline().remove(this);
    }

    /**
     * Optional header, and the first bytes are no signature: a direct client. The usual stages take over, and the
     * decoder leaves, handing on what it gathered, then {@code first} (the read that told).
     */
    private void servedWithoutHeader(ChannelHandlerContext decoderCtx, ByteBuf first) {
        settled = true;
        clock.disarm(deadline);
        metrics.proxyProtocolAbsent();
        settle(ctx);
        decoderCtx.pipeline().remove(decoder);
        decoderCtx.fireChannelRead(first);
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

    /**
     * A FIN before the header is complete (the channel allows half-closure, so nothing else closes it): nothing more
     * can come, close now rather than hold the socket in CLOSE-WAIT until the header's deadline. A connect and close
     * without a byte (a balancer's TCP health check) is no error; a header cut short is a malformed one.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !settled) {
            settled = true;
            if (((Decoder) decoder).looked) {
                fail(ctx, Failure.MALFORMED);
            } else {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // before the header: nothing of this connection to tell anyone
    }

    /** No complete header in time. */
    private void late() {
        if (!settled) {
            settled = true;
            if (optional && !((Decoder) decoder).looked) {
                ctx.close(); // nothing came: as a silent direct client may be, with nothing to count
            } else {
                fail(ctx, Failure.TIMEOUT);
            }
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
    private static boolean couldBeHeader(Bytes b) {
        int n = Math.min(b.length, V2_SIGNATURE.length);
        boolean v1 = true;
        boolean v2 = true;
        for (int i = 0; i < n; i++) {
            byte c = (byte) b.get(i);
            v1 &= i >= V1_SIGNATURE.length || c == V1_SIGNATURE[i];
            v2 &= c == V2_SIGNATURE[i];
        }
        return v1 || v2;
    }

    /**
     * The TLVs of a complete v2 PROXY header whose bytes start {@code a} and go on in {@code b}: -1 not decidable yet
     * (the header is not complete), 0 nothing to check or well formed, 1 broken. Netty 4.1's parse of TLVs trusts
     * their lengths: one longer than what is left of the header, or an SSL TLV shorter than its 5 fixed bytes, throws
     * IndexOutOfBoundsException after it has retained slices of the connection's buffer for the TLVs before it, which
     * are then never released: a peer could leak up to 64 KiB of pooled memory per connection. Such a header is
     * refused here, before Netty parses it. An SSL TLV inside another (no sender does that; Netty nests up to 128 deep,
     * leaking the same way when it gives up) is refused too.
     */
    static int v2Tlvs(ByteBuf a, ByteBuf b) {
        Bytes h = new Bytes(a, b);
        if (h.length < 16) {
            return h.length > 0 && !h.startsWithV2() ? 0 : -1;
        }
        if (!h.startsWithV2() || h.get(12) != 0x21) { // not a v2 PROXY command: Netty takes no TLVs, or refuses it
            return 0;
        }
        int family = (h.get(13) & 0xf0) >> 4;
        int addresses = family == 1 ? 12 : family == 2 ? 36 : family == 3 ? 216 : -1;
        int length = h.u16(14);
        if (addresses < 0 || length < addresses) {
            return 0; // no TLVs read (UNSPEC), or Netty refuses the short addresses itself
        }
        if (h.length < 16 + length) {
            return -1;
        }
        return tlvsFit(h, 16 + addresses, 16 + length, false) ? 0 : 1;
    }

    /** Whether the TLVs between {@code from} and {@code to} each fit, as Netty reads them (a tail under 4 bytes ignored). */
    private static boolean tlvsFit(Bytes h, int from, int to, boolean inSsl) {
        for (int i = from; to - i >= 4;) {
            int type = h.get(i);
            int length = h.u16(i + 1);
            i += 3;
            if (length > to - i) {
                return false;
            }
            if (type == 0x20 && (inSsl || length < 5 || !tlvsFit(h, i + 5, i + length, true))) { // PP2_TYPE_SSL: client, verify, sub-TLVs
                return false;
            }
            i += length;
        }
        return true;
    }

    /** Two buffers' readable bytes as one, read without copying (the decoder's gathered bytes and the new read). */
    private static final class Bytes {
        private final ByteBuf a;
        private final ByteBuf b;
        private final int inA;
        final int length;

        Bytes(ByteBuf a, ByteBuf b) {
            this.a = a;
            this.b = b;
            inA = a.readableBytes();
            length = inA + b.readableBytes();
        }

        int get(int i) {
            return (i < inA ? a.getByte(a.readerIndex() + i) : b.getByte(b.readerIndex() + i - inA)) & 0xff;
        }

        int u16(int i) {
            return get(i) << 8 | get(i + 1);
        }

        boolean startsWithV2() {
            for (int i = 0; i < Math.min(length, V2_SIGNATURE.length); i++) {
                if (get(i) != (V2_SIGNATURE[i] & 0xff)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Netty's decoder, told apart for the metric: bytes that are no header at all, and a header it refuses. */
    private final class Decoder extends HAProxyMessageDecoder {
        /** A byte came. */
        private boolean looked;
        /** The first 12 bytes came and are a PROXY signature's: no need to look again. */
        private boolean signed;
        /** A v2 header's TLVs were checked ({@link #v2Tlvs}), or there are none to check. */
        private boolean tlvsChecked;

        @Override
        public boolean isSharable() {
            return false; // as the stage's own (its decoder base asks at construction, the pipeline at its add)
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!signed && msg instanceof ByteBuf b && b.isReadable()) {
                looked = true;
                Bytes first = new Bytes(internalBuffer(), b); // what came so far: the signature may take several reads
                signed = first.length >= V2_SIGNATURE.length;
                if (!couldBeHeader(first)) {
                    if (optional && !settled) {
                        servedWithoutHeader(ctx, b);
                        return;
                    }
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
            if (!tlvsChecked && msg instanceof ByteBuf b) {
                int tlvs = v2Tlvs(internalBuffer(), b);
                tlvsChecked = tlvs >= 0;
                if (tlvs == 1) {
                    b.release();
                    if (!settled) {
                        settled = true;
                        fail(ctx, Failure.MALFORMED);
                    }
                    return;
                }
            }
            super.channelRead(ctx, msg);
        }

        /**
         * Any failure of Netty's decoder before the header is settled is the header's: besides its own protocol
         * exception, a TLV that Netty's parse reads past the end of raises IndexOutOfBoundsException (wrapped).
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof HAProxyProtocolException || cause instanceof DecoderException) {
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
