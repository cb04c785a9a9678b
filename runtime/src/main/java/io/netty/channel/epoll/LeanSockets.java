package io.netty.channel.epoll;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;

import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.internal.PlatformDependent;

/**
 * {@link LinuxSocket}s made without the {@code getsockname} their constructor makes to learn the socket's family
 * ({@code Socket(int)} asks the kernel, always): wsroute knows it already, an accepted socket has its listener's and a
 * new one the family it was made with. The object is allocated without running the constructor, and its two fields
 * set as the constructor would ({@code fd}, {@code ipv6}; {@code state} starts at 0, open, as there).
 * <p>
 * Only where the classes have exactly those instance fields and Netty itself uses {@code sun.misc.Unsafe} (another
 * Netty may add state its constructor sets; {@code -Dio.netty.noUnsafe=true} turns it off for both); elsewhere Netty's
 * constructor serves, probe and all.
 */
final class LeanSockets {
    private static final sun.misc.Unsafe UNSAFE;
    private static final long FD;
    private static final long IPV6;
    /** Netty's {@code Socket.newSocketStream0(boolean)}: a new non-blocking TCP socket's descriptor. */
    private static final MethodHandle NEW_STREAM_FD;

    static {
        sun.misc.Unsafe unsafe = null;
        long fd = -1;
        long ipv6 = -1;
        MethodHandle newStreamFd = null;
        try {
            if (PlatformDependent.hasUnsafe() // not where Netty itself was told not to use it (io.netty.noUnsafe)
                    && instanceFields(FileDescriptor.class).equals(Set.of("state", "fd"))
                    && instanceFields(Socket.class).equals(Set.of("ipv6"))
                    && instanceFields(LinuxSocket.class).isEmpty()) {
                Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                theUnsafe.setAccessible(true);
                sun.misc.Unsafe u = (sun.misc.Unsafe) theUnsafe.get(null);
                Field fdField = FileDescriptor.class.getDeclaredField("fd");
                Field ipv6Field = Socket.class.getDeclaredField("ipv6");
                if (fdField.getType() == int.class && ipv6Field.getType() == boolean.class) {
                    newStreamFd = MethodHandles.privateLookupIn(Socket.class, MethodHandles.lookup())
                            .findStatic(Socket.class, "newSocketStream0", MethodType.methodType(int.class, boolean.class));
                    fd = u.objectFieldOffset(fdField);
                    ipv6 = u.objectFieldOffset(ipv6Field);
                    unsafe = u;
                }
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError notThere) {
            unsafe = null;
        }
        UNSAFE = unsafe;
        FD = fd;
        IPV6 = ipv6;
        NEW_STREAM_FD = unsafe == null ? null : newStreamFd;
    }

    private LeanSockets() {
    }

    private static Set<String> instanceFields(Class<?> c) {
        Set<String> names = new HashSet<>();
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                names.add(f.getName());
            }
        }
        return names;
    }

    /** Whether sockets are made without the probe here; for tests. */
    static boolean linked() {
        return UNSAFE != null;
    }

    /** The socket of descriptor {@code fd}, an IPv6 one if {@code ipv6}, as {@code new LinuxSocket(fd)} finds it. */
    static LinuxSocket of(int fd, boolean ipv6) {
        if (UNSAFE == null) {
            return new LinuxSocket(fd);
        }
        try {
            LinuxSocket s = (LinuxSocket) UNSAFE.allocateInstance(LinuxSocket.class);
            UNSAFE.putInt(s, FD, fd);
            UNSAFE.putBoolean(s, IPV6, ipv6);
            UNSAFE.storeFence(); // as the constructor's final fields: complete wherever the socket is seen
            return s;
        } catch (InstantiationException e) {
            return new LinuxSocket(fd);
        }
    }

    /** A new TCP socket of {@code family} (null: the platform's preferred one), as {@code LinuxSocket.newSocketStream}. */
    static LinuxSocket newStream(InternetProtocolFamily family) {
        if (NEW_STREAM_FD == null) {
            return family == null ? LinuxSocket.newSocketStream() : LinuxSocket.newSocketStream(family);
        }
        boolean ipv6 = Socket.shouldUseIpv6(family);
        int fd;
        try {
            fd = (int) NEW_STREAM_FD.invokeExact(ipv6);
        } catch (Throwable t) {
            PlatformDependent.throwException(t); // ChannelException, as Netty's
            throw new AssertionError(t);
        }
        return of(fd, ipv6);
    }
}
