package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Predicate;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * The fields of a parsed request head on their way upstream, edited in place: the parser's names and values in
 * two arrays, no header map, no entry objects. A WebSocket upgrade and a plain HTTP request alike are written
 * straight into one pooled buffer, after their edits.
 * <p>
 * It starts as the request the rest of the proxy routes on: the one Host (the absolute-form authority when there
 * was one), no {@code Upgrade} in an HTTP/1.0 request (RFC 9110 §7.8), and {@code Transfer-Encoding: chunked}
 * exactly as the upstream will read it. Names compare case-insensitively; {@link #set} replaces every field of
 * the name with one at the end, as Netty's headers do.
 */
public final class HeadFields {
    /** Names and values were checked by the parser; checking them again costs time on every request. */
    private static final DefaultHttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final byte[] VERSION = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

    private String[] names;
    private String[] values;
    private int size;

    private HeadFields(String[] names, String[] values, int size) {
        this.names = names;
        this.values = values;
        this.size = size;
    }

    /** Each thread's fields for {@link #reused}: a plain request's are written out before the thread parses another head. */
    private static final FastThreadLocal<HeadFields> REUSED = new FastThreadLocal<>() {
        @Override
        protected HeadFields initialValue() {
            return new HeadFields(new String[16], new String[16], 0);
        }
    };

    public static HeadFields of(RequestHead head) {
        int n = head.size;
        return new HeadFields(Arrays.copyOf(head.names, n + 8), Arrays.copyOf(head.values, n + 8), 0).load(head);
    }

    /**
     * As {@link #of}, into the calling thread's one instance (its arrays kept from request to request): for a head
     * that is edited and {@link #write written} at once, then {@link #clear cleared}, with no other use of this
     * method on the thread in between. A plain request then makes no fields object and no arrays.
     */
    public static HeadFields reused(RequestHead head) {
        HeadFields f = REUSED.get();
        f.clear();
        return f.load(head);
    }

    /** Drops every field (and the references to its strings, so a reused instance holds no request's values). */
    public void clear() {
        truncate(0);
    }

    private HeadFields load(RequestHead head) {
        HeadFields f = this;
        int n = head.size;
        boolean hostSeen = false;
        for (int i = 0; i < n; i++) {
            String name = head.names[i];
            if (name.length() == 4 && name.equalsIgnoreCase("host")) { // the length first: no call for most fields
                hostSeen = true;
                f.add(name, head.authority); // equal to the absolute-form authority, or the value itself
            } else if (!(head.http10 && (name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("expect")))) {
                // in HTTP/1.0 both are ignored (RFC 9110 §7.8, §10.1.1): the request goes upstream as HTTP/1.1, where they would count
                f.add(name, head.values[i]);
            }
        }
        if (!hostSeen && head.authority != null) {
            f.add("host", head.authority);
        }
        if (head.framing.kind() == Framing.Kind.CHUNKED) {
            f.set("transfer-encoding", "chunked");
        }
        return f;
    }

    public int size() {
        return size;
    }

    public String name(int i) {
        return names[i];
    }

    public String value(int i) {
        return values[i];
    }

    /** The first value of a field, or null. */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** Removes every field of this name. */
    public void remove(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) { // mostly absent (set() removes before it adds): then no predicate object
                removeIf(name::equalsIgnoreCase);
                return;
            }
        }
    }

    /** Removes every field whose name the test accepts, in one pass. */
    public void removeIf(Predicate<String> nameTest) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (!nameTest.test(names[i])) {
                moveTo(i, kept++);
            }
        }
        truncate(kept);
    }

    /**
     * Moves field {@code from} to {@code to} (not after it): with {@link #truncate}, the in-place compaction of an
     * edit that decides field by field, in one pass, what stays.
     */
    public void moveTo(int from, int to) {
        names[to] = names[from];
        values[to] = values[from];
    }

    /** Keeps the first {@code size} fields. */
    public void truncate(int size) {
        Arrays.fill(names, size, this.size, null);
        Arrays.fill(values, size, this.size, null);
        this.size = size;
    }

    /** Replaces every field of this name with one, at the end. */
    public void set(String name, String value) {
        remove(name);
        add(name, value);
    }

    /** Adds a field at the end. */
    public void add(String name, String value) {
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size] = value;
        size++;
    }

    /**
     * The head as HTTP/1.1 bytes, in one pooled buffer of the exact size. Characters go out as ISO-8859-1, as
     * HTTP/1.1 reads them (the parser read them so; a route's values were validated free of control characters).
     */
    public ByteBuf write(ByteBufAllocator alloc, String method, String target) {
        int length = method.length() + 1 + target.length() + VERSION.length + 2;
        for (int i = 0; i < size; i++) {
            length += names[i].length() + 2 + values[i].length() + 2;
        }
        // composed in the thread's scratch array, whole strings at a time, then copied into the buffer at once
        byte[] out = ScratchBytes.atLeast(length);
        int p = put(method, out, 0);
        out[p++] = ' ';
        p = put(target, out, p);
        System.arraycopy(VERSION, 0, out, p, VERSION.length);
        p += VERSION.length;
        for (int i = 0; i < size; i++) {
            p = put(names[i], out, p);
            out[p++] = ':';
            out[p++] = ' ';
            p = put(values[i], out, p);
            out[p++] = '\r';
            out[p++] = '\n';
        }
        out[p++] = '\r';
        out[p] = '\n';
        return alloc.buffer(length).writeBytes(out, 0, length);
    }

    /**
     * Copies the characters of {@code s} as bytes, each its low eight bits: ISO-8859-1 for every string here (the
     * parser read them so; a route's names and values are validated to be ISO-8859-1), with no encoder and no copy
     * of the string.
     */
    @SuppressWarnings("deprecation") // the one String copy that neither encodes nor allocates
    private static int put(String s, byte[] out, int at) {
        s.getBytes(0, s.length(), out, at);
        return at + s.length();
    }

    /** The fields as Netty headers, for an HTTP encoder. */
    public HttpHeaders toHeaders() {
        HttpHeaders h = HEADERS.newHeaders();
        for (int i = 0; i < size; i++) {
            h.add(names[i], values[i]);
        }
        return h;
    }
}
