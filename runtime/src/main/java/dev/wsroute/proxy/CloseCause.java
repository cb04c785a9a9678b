package dev.wsroute.proxy;

/**
 * Why the proxy itself closed a WebSocket session, with the Close code it sends and the label it is counted under
 * ({@code wsroute_websocket_closes_total{by="proxy",reason}}).
 */
public enum CloseCause {
    IDLE(CloseFrames.GOING_AWAY, "idle", "idle timeout"),
    DRAIN(CloseFrames.GOING_AWAY, "drain", "going away"),
    MAX_DURATION(CloseFrames.GOING_AWAY, "max-duration", "maximum session length reached"),
    MESSAGE_TOO_BIG(CloseFrames.MESSAGE_TOO_BIG, "message-too-big", "message too big"),
    REBALANCE(CloseFrames.SERVICE_RESTART, "rebalance", "rebalancing, please reconnect");

    private final int code;
    private final String label;
    private final String text;

    CloseCause(int code, String label, String text) {
        this.code = code;
        this.label = label;
        this.text = text;
    }

    /** The Close code sent to both sides. */
    public int code() {
        return code;
    }

    public String label() {
        return label;
    }

    /** The reason text in the Close frame. */
    public String text() {
        return text;
    }
}
