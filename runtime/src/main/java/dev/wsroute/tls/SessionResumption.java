package dev.wsroute.tls;

import javax.net.ssl.SSLEngine;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;

/** Whether a client's finished handshake resumed an earlier session (a ticket, or the session cache) or was a full one. */
public final class SessionResumption {
    private SessionResumption() {
    }

    /**
     * @param handshakeStartMillis when the connection's handshake began: the JDK's engine says nothing of resumption,
     *        but a session it resumed was made before this connection was
     */
    public static boolean resumed(SSLEngine engine, long handshakeStartMillis) {
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
            return SSL.isSessionReused(openSsl.sslPointer());
        }
        return engine.getSession().getCreationTime() < handshakeStartMillis;
    }
}
