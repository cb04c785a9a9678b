package dev.wsroute.http;

/**
 * A request the proxy refuses by its head or its body framing: the status to answer (400, 413, 414, 417, 431, 505)
 * and why. The connection is closed after the answer, and nothing after the refused part is parsed.
 */
public final class RefusedRequest extends Exception {
    private final int status;

    public RefusedRequest(int status, String reason) {
        super(reason, null, false, false); // no stack trace: a refused request is input, not a bug
        this.status = status;
    }

    public int status() {
        return status;
    }

    static RefusedRequest bad(String reason) {
        return new RefusedRequest(400, reason);
    }
}
