package io.netty.channel.epoll;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import io.netty.channel.Channel;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.unix.NativeInetAddress;

/**
 * Netty's epoll server socket channel ({@link EpollServerSocketChannel}, a final class) accepting
 * {@link LeanEpollSocketChannel}s. Options: those of {@link EpollServerChannelConfig} and {@code SO_REUSEPORT}.
 */
public final class LeanEpollServerSocketChannel extends AbstractEpollServerChannel implements ServerSocketChannel {
    private final LeanEpollServerSocketChannelConfig config;
    private final RecvByteBufAllocator childReads;

    /** A listener whose accepted channels size their reads' buffers with {@code childReads}. */
    public LeanEpollServerSocketChannel(RecvByteBufAllocator childReads) {
        super(LinuxSocket.newSocketStream(), false);
        config = new LeanEpollServerSocketChannelConfig(this);
        this.childReads = childReads;
    }

    @Override
    public LeanEpollServerSocketChannelConfig config() {
        return config;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        super.doBind(localAddress);
        socket.listen(config.getBacklog());
        active = true;
    }

    @Override
    protected Channel newChildChannel(int fd, byte[] address, int offset, int len) {
        // an accepted socket has its listener's family: no look-up of it (LeanSockets)
        boolean ipv6 = socket.family() == InternetProtocolFamily.IPv6;
        return new LeanEpollSocketChannel(this, LeanSockets.of(fd, ipv6), NativeInetAddress.address(address, offset, len), childReads);
    }
}
