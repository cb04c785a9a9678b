package dev.wsroute.proxy;

import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Native epoll where the platform has it (fewer copies and system calls), NIO elsewhere. */
record Transport(String name, EventLoopGroup group, Class<? extends ServerSocketChannel> serverChannel,
        Supplier<SocketChannel> channels) {

    static Transport create(int threads) {
        ThreadFactory tf = new DefaultThreadFactory("wsroute-io", true);
        if (Epoll.isAvailable()) {
            return new Transport("epoll", new EpollEventLoopGroup(threads, tf), EpollServerSocketChannel.class, EpollSocketChannel::new);
        }
        return new Transport("nio", new NioEventLoopGroup(threads, tf), NioServerSocketChannel.class, NioSocketChannel::new);
    }

    /** A new, unregistered client socket channel. */
    SocketChannel newChannel() {
        return channels.get();
    }
}
