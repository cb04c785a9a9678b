package dev.wsroute.lifecycle;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.wsroute.model.Lifecycle.ActiveCheck;
import dev.wsroute.table.RuleKey;
import dev.wsroute.tls.UpstreamHandlers;
import dev.wsroute.tls.UpstreamTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

/**
 * One active health check of one endpoint, on an event loop: {@code TCP} (the connection is accepted), {@code HTTP}
 * (GET path answered 2xx/3xx) or {@code WebSocket} (the upgrade is answered 101 with the right accept key, then a
 * ping gets its pong). The outcome is null for a pass or the reason it failed; the probe never takes longer than
 * the check's timeout and always closes its connection.
 */
public final class HealthProbe {

    /** What to probe: an endpoint of a rule, with the Host to send and the rule's upstream TLS (or null). */
    public record Target(RuleKey rule, String endpoint, InetSocketAddress address, ActiveCheck check, String host, UpstreamTls tls) {
    }

    private HealthProbe() {
    }

    /**
     * The outcome of a probe that could not make its socket (the open-files limit is reached): it says nothing of the
     * endpoint, so it is neither a pass nor a failure (compared by identity).
     */
    public static final String NO_SOCKET = "no socket for the probe";

    /** Starts a probe on {@code loop}; {@code bootstrap} carries the channel class and options of the data plane. */
    public static Promise<String> run(Bootstrap bootstrap, EventLoop loop, Target t) {
        Promise<String> result = loop.newPromise();
        long timeoutMillis = Math.max(1, t.check().timeout().toMillis());
        var timeout = loop.schedule(() -> result.trySuccess("no answer within " + timeoutMillis + " ms"), timeoutMillis,
                TimeUnit.MILLISECONDS);
        result.addListener(f -> timeout.cancel(false));
        boolean tcp = t.check().type() == ActiveCheck.Type.TCP;
        bootstrap.clone(loop)
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (t.tls() != null && !tcp) {
                            ch.pipeline().addLast("tls", UpstreamHandlers.newUpstreamHandler(ch.alloc(), t.tls(),
                                    t.address().getHostString(), t.address().getPort()));
                        }
                        if (t.check().type() == ActiveCheck.Type.HTTP) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpProbe(t, result));
                        } else if (t.check().type() == ActiveCheck.Type.WebSocket) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192), new WebSocketProbe(t, result));
                        }
                    }
                })
                .connect(t.address()).addListener((ChannelFutureListener) f -> {
                    Channel ch = f.channel();
                    if (!f.isSuccess()) {
                        // no socket (EMFILE, ENFILE): a shortage of this process, not the endpoint's (nor a class to load)
                        result.trySuccess(f.cause() instanceof ChannelException ? NO_SOCKET
                                : "connect failed: " + UpstreamHandlers.failureReason(f.cause()));
                        return;
                    }
                    if (result.isDone()) { // timed out while connecting
                        ch.close();
                        return;
                    }
                    if (tcp) {
                        result.trySuccess(null);
                    }
                    ch.closeFuture().addListener(c -> result.trySuccess("connection closed before the check passed"));
                    result.addListener(r -> {
                        if (tcp) {
                            ch.close();
                        } // HTTP and WebSocket probes close their own way
                    });
                });
        return result;
    }

    private static String uri(Target t) {
        return t.check().path() == null ? "/" : t.check().path();
    }

    /** GET path; 2xx and 3xx pass. */
    private static final class HttpProbe extends SimpleChannelInboundHandler<HttpObject> {
        private final Target t;
        private final Promise<String> result;

        HttpProbe(Target t, Promise<String> result) {
            this.t = t;
            this.result = result;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            result.addListener(f -> ctx.close());
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri(t));
            req.headers().set(HttpHeaderNames.HOST, t.host()).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(HttpHeaderNames.USER_AGENT, "wsroute-health-check");
            ctx.writeAndFlush(req);
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                int status = r.status().code();
                result.trySuccess(status >= 200 && status < 400 ? null : "GET " + uri(t) + " answered " + status);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.trySuccess(UpstreamHandlers.failureReason(cause));
        }
    }

    /** Upgrade on path, then a ping that must come back as a pong with the same payload. */
    private static final class WebSocketProbe extends SimpleChannelInboundHandler<Object> {
        private final Target t;
        private final Promise<String> result;
        private final WebSocketClientHandshaker handshaker;
        private ByteBuf ping;

        WebSocketProbe(Target t, Promise<String> result) {
            this.t = t;
            this.result = result;
            this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(URI.create("ws://" + t.host() + uri(t)),
                    WebSocketVersion.V13, null, false, new DefaultHttpHeaders().set(HttpHeaderNames.USER_AGENT,
                            "wsroute-health-check"), 1024);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            result.addListener(f -> {
                ReferenceCountUtil.safeRelease(ping);
                ping = null;
                if (ctx.channel().isActive() && handshaker.isHandshakeComplete()) {
                    ctx.writeAndFlush(new CloseWebSocketFrame(1000, "health check done")).addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.close();
                }
            });
            handshaker.handshake(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!handshaker.isHandshakeComplete() && msg instanceof FullHttpResponse r) {
                if (r.status().code() != 101) {
                    result.trySuccess("upgrade on " + uri(t) + " answered " + r.status().code());
                    return;
                }
                try {
                    handshaker.finishHandshake(ctx.channel(), r);
                } catch (RuntimeException e) {
                    result.trySuccess("upgrade on " + uri(t) + " invalid: " + e.getMessage());
                    return;
                }
                byte[] payload = new byte[8];
                ThreadLocalRandom.current().nextBytes(payload);
                ping = ctx.alloc().buffer(8).writeBytes(payload);
                ctx.writeAndFlush(new PingWebSocketFrame(ping.retainedDuplicate()));
            } else if (msg instanceof PongWebSocketFrame pong && ping != null) {
                result.trySuccess(ByteBufUtil.equals(pong.content(), ping) ? null : "pong did not echo the ping");
            } else if (msg instanceof CloseWebSocketFrame close) {
                result.trySuccess("closed by the endpoint (" + close.statusCode() + ") before the pong");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.trySuccess(UpstreamHandlers.failureReason(cause));
        }
    }
}
