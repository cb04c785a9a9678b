package dev.wsroute.tls;

/**
 * TLS material that can't be used, with a reason fit for a route condition. Never carries key bytes, and never a
 * cause: a parser's message could quote what it choked on.
 */
public final class InvalidMaterialException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidMaterialException(String reason) {
        super(reason, null, false, false);
    }
}
