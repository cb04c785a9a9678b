package dev.wsroute.proxy;

import java.util.Map;

import org.jboss.logging.Logger;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;

/**
 * A listener's handler that sets up each connection it accepts and registers it: the child options of the server
 * bootstrap, then the stages ({@link Setup#init}), then the registration on {@code children} (the
 * listener's own event loop where each loop has its listener; otherwise the next loop of the group).
 * <p>
 * Not Netty's {@code ServerBootstrapAcceptor}: that one adds the bootstrap's child handler to each connection, a handler
 * that then has to replace itself with the stages once registered: one pipeline change (and a context) more per
 * connection. This one sits before it and takes every connection, so Netty's acceptor, which the server bootstrap
 * always adds, is left with failed accepts alone: it pauses the listener's accepts for a second, as before. The child
 * handler the bootstrap insists on is therefore {@link #UNREACHED}.
 * <p>
 * Connections that read from the start (auto-read) ask for reads before their registration, so that it carries the
 * read interest ({@link Transport#readFromRegistration}).
 */
@ChannelHandler.Sharable
final class ClientAcceptor extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ClientAcceptor.class);

    /** The server bootstrap's child handler where this acceptor sits: no connection gets to it. */
    static final ChannelHandler UNREACHED = new ChannelHandlerAdapter() {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            throw new IllegalStateException("a listener's connection reached the server bootstrap's child handler: the"
                    + " ClientAcceptor before it should have taken it");
        }
    };

    /** What an accepted connection gets before its registration: its stages ({@link ClientInitializer} in the data plane). */
    interface Setup {
        /**
         * Sets up {@code ch}, accepted and not registered yet (its handlers' {@code handlerAdded} runs at registration,
         * on its event loop, before any event); false: refused, for the acceptor to close before it reads anything.
         */
        boolean init(Channel ch);

        /** The registration of a connection {@link #init} set up, done: succeeded, or failed (the connection to close). */
        void registered(ChannelFuture registration);
    }

    private final Transport transport;
    private final Setup clients;
    private final EventLoopGroup children;
    private final Map.Entry<ChannelOption<?>, Object>[] childOptions;
    private final ChannelFutureListener registered;

    @SuppressWarnings("unchecked")
    ClientAcceptor(Transport transport, Setup clients, EventLoopGroup children, Map<ChannelOption<?>, Object> childOptions) {
        this.transport = transport;
        this.clients = clients;
        this.children = children;
        this.childOptions = childOptions.entrySet().toArray(new Map.Entry[0]);
        this.registered = clients::registered;
    }

    @Override
    public boolean isSharable() {
        return true; // said as a constant: Netty's answer is a per-thread map look-up by class
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Channel child)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            setOptions(child);
            if (!clients.init(child)) {
                child.unsafe().closeForcibly(); // refused: never registered, nothing read
                return;
            }
        } catch (Throwable e) {
            child.unsafe().closeForcibly();
            LOG.warnf(e, "could not set up the accepted connection %s", child);
            return;
        }
        if (child.config().isAutoRead()) {
            transport.readFromRegistration(child);
        }
        // on the listener's own loop (SO_REUSEPORT) the registration is done on return: no listener to add
        ChannelFuture registration = children.register(child);
        if (registration.isDone()) {
            clients.registered(registration);
        } else {
            registration.addListener(registered);
        }
    }

    private void setOptions(Channel child) {
        for (Map.Entry<ChannelOption<?>, Object> o : childOptions) {
            @SuppressWarnings("unchecked")
            ChannelOption<Object> option = (ChannelOption<Object>) o.getKey();
            if (!child.config().setOption(option, o.getValue())) {
                LOG.warnf("unknown channel option '%s' for %s", option, child);
            }
        }
    }

}
