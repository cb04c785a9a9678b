package io.netty.channel.epoll;

import io.netty.channel.Channel;
import io.netty.channel.socket.InternetProtocolFamily;

/** For tests: the family an epoll channel's socket was made with, and the one the kernel reports for it. */
public final class SocketFamilies {
    private SocketFamilies() {
    }

    /** What the channel's socket object says (used for its connects, binds and options). */
    public static InternetProtocolFamily made(Channel ch) {
        return ((AbstractEpollChannel) ch).socket.family();
    }

    /** What the kernel says ({@code getsockname}, Netty's own probe on a second object for the same descriptor). */
    public static InternetProtocolFamily kernel(Channel ch) {
        return new LinuxSocket(((AbstractEpollChannel) ch).socket.intValue()).family();
    }
}
