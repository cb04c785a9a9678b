package dev.wsroute.http;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * Each thread's one scratch array, where a head is copied to be parsed (plain array reads beat a ByteBuf's checked
 * ones) or composed to be written. A user takes it, fills and reads it, and drops it before it returns or calls out:
 * what it returns holds copies, never the array. So the request parser, the request writer, the response parser and
 * the 101 checks share it: on an event loop one of them runs to its end before the next starts (a request head is
 * parsed, then written upstream, then the answer's head is parsed or checked), and none of them calls another while it
 * holds the array.
 */
final class ScratchBytes {
    private static final FastThreadLocal<byte[]> ARRAY = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[1024];
        }
    };

    private ScratchBytes() {
    }

    /** This thread's array, at least {@code length} long: grown (to twice its length at least) when it is shorter. */
    static byte[] atLeast(int length) {
        byte[] b = ARRAY.get();
        if (b.length < length) {
            b = new byte[Math.max(length, b.length * 2)];
            ARRAY.set(b);
        }
        return b;
    }
}
