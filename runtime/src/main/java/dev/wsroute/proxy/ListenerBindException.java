package dev.wsroute.proxy;

/** A listener could not bind its port (in use, or not allowed): which listener, where, and the system's reason. */
public final class ListenerBindException extends RuntimeException {
    private final boolean tls;

    ListenerBindException(boolean tls, String host, int port, Throwable cause) {
        super((tls ? "TLS" : "plain") + " listener cannot bind " + host + ":" + port + ": "
                + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
        this.tls = tls;
    }

    /** Whether it was the TLS listener (wsroute.listen.tls-port) rather than the plain one (wsroute.listen.port). */
    public boolean tls() {
        return tls;
    }
}
