package dev.wsroute.http;

/**
 * A request the proxy refuses by its head or its body framing: the status to answer (400, 413, 414, 417, 431, 505)
 * and why. The connection is closed after the answer, and nothing after the refused part is parsed.
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
