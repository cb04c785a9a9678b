package io.netty.channel.epoll;

import java.io.IOException;
import java.util.Map;

import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.UnixChannelOption;

/** {@link LeanEpollServerSocketChannel}'s options: {@code SO_REUSEADDR} on by default, as Netty's and java.nio's. */
public final class LeanEpollServerSocketChannelConfig extends EpollServerChannelConfig {

    LeanEpollServerSocketChannelConfig(LeanEpollServerSocketChannel channel) {
        super(channel);
        setReuseAddress(true);
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), UnixChannelOption.SO_REUSEPORT);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == UnixChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(isReusePort());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == UnixChannelOption.SO_REUSEPORT) {
            setReusePort((Boolean) value);
            return true;
        }
        return super.setOption(option, value);
    }

    public boolean isReusePort() {
        try {
            return socket().isReusePort();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    public LeanEpollServerSocketChannelConfig setReusePort(boolean reusePort) {
        try {
            socket().setReusePort(reusePort);
            return this;
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }
}
