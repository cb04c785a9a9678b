package dev.wsroute.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.PrivateKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
import dev.wsroute.testing.Peers;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestCertificates.Issued;
import dev.wsroute.testing.TlsEchoServer;
import dev.wsroute.testing.TlsRoutes;
import dev.wsroute.testing.TlsRoutes.MutableSecrets;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;

/** TLS from wsroute to a backend over loopback: the upstream handler against real TLS servers, with each engine. */
class UpstreamHandshakeTest {
    static Authority ca;
    static Authority otherCa;
    static Issued backend;
    static Issued byIp;
    static Issued expired;
    static Issued untrusted;
    static EventLoopGroup group;

    @BeforeAll
    static void setUp() {
        ca = TestCertificates.authority("upstream test CA");
        otherCa = TestCertificates.authority("someone else's CA");
        backend = ca.issue("backend.internal");
        byIp = ca.issue("127.0.0.1");
        expired = ca.leaf("backend.internal").expired().build();
        untrusted = otherCa.issue("backend.internal");
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    static Stream<SslProvider> engines() {
        return Stream.of(SslProvider.JDK, SslProvider.OPENSSL);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void caFromSecretAndSniVerifyAndAreSent(SslProvider engine) throws Exception {
        UpstreamTls tls = upstream(engine, new Rule.UpstreamTls("ca", null, "backend.internal", false));
        try (TlsEchoServer server = TlsEchoServer.start(serverContext(engine, backend))) {
            Handshake h = handshake(tls, server.port());
            assertThat(h.failure()).isNull();
            assertThat(h.echo("hello upstream")).isEqualTo("hello upstream");
            assertThat(server.sniSeen()).containsExactly("backend.internal");
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void wrongSniFailsVerification(SslProvider engine) throws Exception {
        UpstreamTls tls = upstream(engine, new Rule.UpstreamTls("ca", null, "other.internal", false));
        try (TlsEchoServer server = TlsEchoServer.start(serverContext(engine, backend))) {
            Throwable failure = handshake(tls, server.port()).failure();
            assertThat(failure).isNotNull();
            assertThat(UpstreamHandlers.failureReason(failure))
                    .isEqualTo("CertificateException: No subject alternative DNS name matching other.internal found.");
            assertThat(server.sniSeen()).containsExactly("other.internal");
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void withoutSniTheEndpointAddressIsVerifiedAndNoSniIsSent(SslProvider engine) throws Exception {
        UpstreamTls tls = upstream(engine, new Rule.UpstreamTls("ca", null, null, false));
        try (TlsEchoServer ipServer = TlsEchoServer.start(serverContext(engine, byIp));
                TlsEchoServer nameServer = TlsEchoServer.start(serverContext(engine, backend))) {
            assertThat(handshake(tls, ipServer.port()).failure()).isNull();
            assertThat(ipServer.sniSeen()).containsExactly(""); // an IP address is never sent as SNI
            assertThat(handshake(tls, nameServer.port()).failure()).as("backend.internal does not name 127.0.0.1").isNotNull();
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void untrustedOrExpiredCertificatesFail(SslProvider engine) throws Exception {
        UpstreamTls tls = upstream(engine, new Rule.UpstreamTls("ca", null, "backend.internal", false));
        UpstreamTls jvmTrust = upstream(engine, new Rule.UpstreamTls(null, null, "backend.internal", false));
        try (TlsEchoServer other = TlsEchoServer.start(serverContext(engine, untrusted));
                TlsEchoServer old = TlsEchoServer.start(serverContext(engine, expired));
                TlsEchoServer good = TlsEchoServer.start(serverContext(engine, backend))) {
            assertThat(handshake(tls, other.port()).failure()).as("signed by another CA").isNotNull();
            Throwable expiredFailure = handshake(tls, old.port()).failure();
            assertThat(UpstreamHandlers.failureReason(expiredFailure)).as("expired").startsWith("CertificateExpiredException: NotAfter");
            assertThat(handshake(jvmTrust, good.port()).failure()).as("the JVM's trust store does not hold the test CA").isNotNull();
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void insecureSkipVerifyAcceptsAnything(SslProvider engine) throws Exception {
        UpstreamTls tls = upstream(engine, new Rule.UpstreamTls(null, null, "wrong.name", true));
        try (TlsEchoServer other = TlsEchoServer.start(serverContext(engine, untrusted))) {
            Handshake h = handshake(tls, other.port());
            assertThat(h.failure()).isNull();
            assertThat(h.echo("anyway")).isEqualTo("anyway");
        }
    }

    // --- helpers

    static UpstreamTls upstream(SslProvider engine, Rule.UpstreamTls spec) {
        Peers.require(engine != SslProvider.OPENSSL || OpenSsl.isAvailable(), "OpenSSL (netty-tcnative) is not available here");
        MutableSecrets secrets = new MutableSecrets().put("ca", Map.of("ca.crt", ca.certificatePem().getBytes(US_ASCII)));
        Route route = TlsRoutes.upstreamRoute("up", spec);
        List<TlsProblem> problems = new ArrayList<>();
        UpstreamTls tls = new TlsMaterialResolver(secrets, Optional.empty(), null, new TlsContexts(engine), Clock.systemUTC())
                .upstream(route, route.rules().get(0), problems::add);
        assertThat(problems).isEmpty();
        return tls;
    }

    static SslContext serverContext(SslProvider engine, Issued cert) throws Exception {
        PrivateKey key = Pem.privateKey(PrivateBytes.of(cert.keyPem().getBytes(US_ASCII)), "key");
        return new TlsContexts(engine).server(key, List.of(cert.certificate()));
    }

    record Handshake(Channel channel, Throwable failure) {
        String echo(String text) throws InterruptedException {
            java.util.concurrent.BlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
            StringBuilder sb = new StringBuilder();
            channel.pipeline().addLast(new io.netty.channel.SimpleChannelInboundHandler<io.netty.buffer.ByteBuf>() {
                @Override
                protected void channelRead0(io.netty.channel.ChannelHandlerContext ctx, io.netty.buffer.ByteBuf msg) {
                    sb.append(msg.toString(US_ASCII));
                    if (sb.length() >= text.length()) {
                        got.add(sb.toString());
                    }
                }
            });
            channel.writeAndFlush(Unpooled.copiedBuffer(text, US_ASCII));
            String back = got.poll(10, TimeUnit.SECONDS);
            channel.close();
            return back;
        }
    }

    /** Connects to 127.0.0.1:port with the data plane's upstream handler and waits for the TLS handshake. */
    static Handshake handshake(UpstreamTls tls, int port) throws InterruptedException {
        // kept here: a handshake that fails fast closes the channel and empties its pipeline before connect() returns
        java.util.concurrent.atomic.AtomicReference<SslHandler> ssl = new java.util.concurrent.atomic.AtomicReference<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        ssl.set(UpstreamHandlers.newUpstreamHandler(c.alloc(), tls, "127.0.0.1", port));
                        c.pipeline().addLast(ssl.get());
                        c.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // the handshake future carries the failure
                            }
                        });
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        Future<Channel> done = ssl.get().handshakeFuture();
        assertThat(done.await(10, TimeUnit.SECONDS)).as("handshake finished").isTrue();
        if (!done.isSuccess()) {
            ch.close();
        }
        return new Handshake(ch, done.cause());
    }
}
