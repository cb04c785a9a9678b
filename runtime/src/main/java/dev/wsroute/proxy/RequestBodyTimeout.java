package dev.wsroute.proxy;

/**
 * The deadline of a plain HTTP request body's upload, on its event loop's {@link LoopClock} (nginx's
 * {@code client_body_timeout}): the client may go at most {@code wsroute.limits.request-body-timeout} without sending a
 * byte of a body that is not complete. Time the proxy holds the client back does not count ({@link
 * HttpExchange#clientHeld}): while it reads none of it (backpressure: the upstream takes the body slower than the
 * client sends it), or while the client may wait for the upstream's {@code 100 Continue}; the wait starts over when
 * the proxy reads on.
 * <p>
 * One per client connection, made with its first request body and used by the next ones: no timer object per request.
 * A read only notes the number of the loop's last sweep (one field write, {@link LoopClock.Activity}); the deadline,
 * when it comes, counts the quiet from the sweep after it (so it never fires early) and fires or moves on, as a
 * tunnel's idle timeout does.
 * <p>
 * The same deadline bounds a lingering close ({@link #linger}): after an answer that ends the connection while the
 * client may still be sending a body, the proxy drops what comes for at most {@code wsroute.limits.lingering-time},
 * and at most {@code wsroute.limits.lingering-timeout} between reads; it ends at once when the listeners close at
 * shutdown.
 */
final class RequestBodyTimeout {
    private final LoopClock clock;
    private final long nanos;
    private final LoopClock.Deadline deadline = new LoopClock.Deadline(this::check, this::listenersClosed);
    /** The exchange whose body is due; null while none is. */
    private HttpExchange exchange;
    /** The client's last byte (or the end of its being held back): one field write per read. */
    private final LoopClock.Activity lastByte;
    /** The connection lingering before its close; null while it is not. */
    private ClientRequestReceiver lingering;
    private long lingerEnd;
    private long lingerQuiet;

    RequestBodyTimeout(LoopClock clock, long nanos) {
        this.clock = clock;
        this.nanos = nanos;
        this.lastByte = new LoopClock.Activity(clock);
    }

    /** The exchange's request has a body: from now on its bytes must keep coming. */
    void start(HttpExchange e) {
        exchange = e;
        lastByte.note();
        clock.arm(deadline, Math.min(nanos, LoopClock.LOOK_NANOS));
    }

    /** Bytes of the body came, or the proxy reads the client again after holding it back: the wait starts over. */
    void progress() {
        lastByte.note();
    }

    /** The body is complete, or its exchange ended. */
    void stop() {
        exchange = null;
        lingering = null;
        clock.disarm(deadline);
    }

    /**
     * The connection drops what its client still sends until {@code time} is over or the client is quiet for
     * {@code quiet} ({@link #progress} on each read); then {@link ClientRequestReceiver#lingerOver}.
     */
    void linger(ClientRequestReceiver r, long time, long quiet) {
        exchange = null;
        lingering = r;
        lastByte.note();
        lingerEnd = System.nanoTime() + time;
        lingerQuiet = quiet;
        clock.arm(deadline, Math.min(Math.min(time, quiet), LoopClock.LOOK_NANOS));
    }

    private void checkLinger(ClientRequestReceiver r) {
        long left = Math.min(lingerEnd - clock.now(), lingerQuiet - lastByte.quiet());
        if (left <= 0) {
            stop();
            r.lingerOver();
        } else {
            clock.arm(deadline, Math.min(left, LoopClock.LOOK_NANOS));
        }
    }

    /**
     * The listeners closed (shutdown): a lingering close ends now, as the proxy has answered and only drops what the
     * client still sends; an upload in progress goes on, to its answer.
     */
    private void listenersClosed() {
        ClientRequestReceiver r = lingering;
        if (r != null) {
            stop();
            r.lingerOver();
        }
    }

    private void check() {
        if (lingering != null) {
            checkLinger(lingering);
            return;
        }
        HttpExchange e = exchange;
        if (e == null) {
            return;
        }
        if (e.clientHeld()) { // the client is not the one stalling
            lastByte.note();
            clock.arm(deadline, Math.min(nanos, LoopClock.LOOK_NANOS));
            return;
        }
        long quiet = lastByte.quiet();
        if (quiet >= nanos) {
            stop();
            e.bodyLate();
        } else {
            clock.arm(deadline, Math.min(nanos - quiet, LoopClock.LOOK_NANOS));
        }
    }
}
