package dev.wsroute.http;

/**
 * A request head the proxy refuses: the status to answer (400, 414, 417, 431, 505) and why. The connection is
 * closed after the answer, and nothing after the bad head is parsed.
 */
public final class BadRequestHead extends Exception {
    private final int status;

    public BadRequestHead(int status, String reason) {
        super(reason, null, false, false); // no stack trace: a refused head is input, not a bug
        this.status = status;
    }

    public int status() {
        return status;
    }

    static BadRequestHead bad(String reason) {
        return new BadRequestHead(400, reason);
    }
}
