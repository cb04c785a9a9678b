package dev.wsroute.proxy;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * First on the TLS port's pipeline: a client that speaks plain HTTP there ({@code curl http://host:8443/}) is told so
 * with a 400, as nginx does, instead of a connection closed without a word. The first byte decides: a TLS record
 * starts with its content type (20–24) or, for an SSLv2-style hello, a byte with the high bit set, never a letter,
 * and a request line starts with its method. A TLS client's bytes go on untouched and this stage leaves the
 * pipeline. A plain one's head is read to its empty line (at most the header limit), then answered, and the
 * connection closed. The TLS stage behind never sees those bytes, so its handshake deadline still closes a plain
 * client that never ends its head. Each answer is reported (to be counted and logged as any refused request).
 */
final class PlainHttpOnTlsPort extends ChannelInboundHandlerAdapter {
    private static final byte[] BODY = "400 Bad Request: plain HTTP sent to the HTTPS port; use https://\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANSWER = ("HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: "
            + BODY.length + "\r\nconnection: close\r\n\r\n" + new String(BODY, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);

    private final int maxHead;
    private final Consumer<SocketAddress> answeredTo;
    private boolean plain;
    private boolean answered;
    private int read;
    /** A LF was read and nothing but CR since: the next LF ends the head (the first byte is a letter, not a LF). */
    private boolean atLineStart;

    /** @param answeredTo told the client's address of each 400 sent */
    PlainHttpOnTlsPort(int maxHead, Consumer<SocketAddress> answeredTo) {
        this.maxHead = maxHead;
        this.answeredTo = answeredTo;
    }

    /** Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, at every add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!plain) {
            if (!(msg instanceof ByteBuf b) || !b.isReadable()) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (!letter(b.getByte(b.readerIndex()))) {
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(msg);
                return;
            }
            plain = true;
        }
        try {
            if (!answered && msg instanceof ByteBuf b && (headEnds(b) || read > maxHead)) {
                answered = true;
                answeredTo.accept(ClientAddress.of(ctx.channel()));
                ctx.writeAndFlush(Unpooled.wrappedBuffer(ANSWER)).addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private boolean headEnds(ByteBuf b) {
        for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
            byte c = b.getByte(i);
            read++;
            if (c == '\n') {
                if (atLineStart) {
                    return true;
                }
                atLineStart = true;
            } else if (c != '\r') {
                atLineStart = false;
            }
        }
        return false;
    }

    private static boolean letter(byte c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
}
