package io.netty.channel.epoll;

import static io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE;
import static io.netty.channel.ChannelOption.IP_TOS;
import static io.netty.channel.ChannelOption.SO_KEEPALIVE;
import static io.netty.channel.ChannelOption.SO_LINGER;
import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_REUSEADDR;
import static io.netty.channel.ChannelOption.SO_SNDBUF;
import static io.netty.channel.ChannelOption.TCP_NODELAY;

import java.io.IOException;
import java.util.Map;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.util.internal.PlatformDependent;

/**
 * {@link LeanEpollSocketChannel}'s options: the standard socket options, read from and written to the socket as
 * Netty's {@link EpollSocketChannelConfig} does, {@code TCP_NODELAY} on by default as there; unlike it, this one does
 * not ask the socket for its send buffer's size when the channel is made, and starts with the receive-buffer allocator
 * its channel is made with (Netty's makes one per channel, and each later setting of one makes a handle to check it).
 */
public final class LeanEpollSocketChannelConfig extends EpollChannelConfig implements SocketChannelConfig {
    private volatile boolean allowHalfClosure;
    private volatile boolean lingers;

    LeanEpollSocketChannelConfig(LeanEpollSocketChannel channel, RecvByteBufAllocator allocator) {
        super(channel, allocator);
        if (PlatformDependent.canEnableTcpNoDelayByDefault()) {
            setTcpNoDelay(true);
        }
    }

    /** Whether {@code SO_LINGER} was set to a positive time through this config: a close then blocks. */
    boolean lingers() {
        return lingers;
    }

    private interface SocketCall<T> {
        T call(LinuxSocket socket) throws IOException;
    }

    private <T> T on(SocketCall<T> call) {
        try {
            return call.call(socket());
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR, SO_LINGER,
                IP_TOS, ALLOW_HALF_CLOSURE);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        } else if (option == SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        } else if (option == TCP_NODELAY) {
            return (T) Boolean.valueOf(isTcpNoDelay());
        } else if (option == SO_KEEPALIVE) {
            return (T) Boolean.valueOf(isKeepAlive());
        } else if (option == SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        } else if (option == SO_LINGER) {
            return (T) Integer.valueOf(getSoLinger());
        } else if (option == IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        } else if (option == ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(isAllowHalfClosure());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == TCP_NODELAY) {
            setTcpNoDelay((Boolean) value);
        } else if (option == SO_KEEPALIVE) {
            setKeepAlive((Boolean) value);
        } else if (option == SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == SO_LINGER) {
            setSoLinger((Integer) value);
        } else if (option == IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    @Override
    public boolean isTcpNoDelay() {
        return on(LinuxSocket::isTcpNoDelay);
    }

    @Override
    public LeanEpollSocketChannelConfig setTcpNoDelay(boolean tcpNoDelay) {
        on(s -> { s.setTcpNoDelay(tcpNoDelay); return null; });
        return this;
    }

    @Override
    public int getSoLinger() {
        return on(LinuxSocket::getSoLinger);
    }

    @Override
    public LeanEpollSocketChannelConfig setSoLinger(int soLinger) {
        on(s -> { s.setSoLinger(soLinger); return null; });
        lingers = soLinger > 0;
        return this;
    }

    @Override
    public int getSendBufferSize() {
        return on(LinuxSocket::getSendBufferSize);
    }

    @Override
    public LeanEpollSocketChannelConfig setSendBufferSize(int sendBufferSize) {
        on(s -> { s.setSendBufferSize(sendBufferSize); return null; });
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return on(LinuxSocket::getReceiveBufferSize);
    }

    @Override
    public LeanEpollSocketChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        on(s -> { s.setReceiveBufferSize(receiveBufferSize); return null; });
        return this;
    }

    @Override
    public boolean isKeepAlive() {
        return on(LinuxSocket::isKeepAlive);
    }

    @Override
    public LeanEpollSocketChannelConfig setKeepAlive(boolean keepAlive) {
        on(s -> { s.setKeepAlive(keepAlive); return null; });
        return this;
    }

    @Override
    public int getTrafficClass() {
        return on(LinuxSocket::getTrafficClass);
    }

    @Override
    public LeanEpollSocketChannelConfig setTrafficClass(int trafficClass) {
        on(s -> { s.setTrafficClass(trafficClass); return null; });
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return on(LinuxSocket::isReuseAddress);
    }

    @Override
    public LeanEpollSocketChannelConfig setReuseAddress(boolean reuseAddress) {
        on(s -> { s.setReuseAddress(reuseAddress); return null; });
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this; // as Netty's epoll channels: not supported
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public LeanEpollSocketChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    // the setters of every channel config, narrowed to this type as SocketChannelConfig asks

    @Override
    public LeanEpollSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public LeanEpollSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        if (allocator != getRecvByteBufAllocator()) { // Netty's makes a handle to check the allocator's kind, each time
            super.setRecvByteBufAllocator(allocator);
        }
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    @Deprecated
    public LeanEpollSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public LeanEpollSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public LeanEpollSocketChannelConfig setEpollMode(EpollMode mode) {
        super.setEpollMode(mode);
        return this;
    }
}
