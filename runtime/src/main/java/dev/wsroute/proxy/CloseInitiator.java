package dev.wsroute.proxy;

import java.util.Locale;

/** Who closed a WebSocket session: who sent the first Close frame, or whose socket went first. */
public enum CloseInitiator {
    CLIENT, UPSTREAM, PROXY;

    private final String label = name().toLowerCase(Locale.ROOT); // made once: the access log writes it per session

    /** The metric label and access-log value. */
    public String label() {
        return label;
    }
}
