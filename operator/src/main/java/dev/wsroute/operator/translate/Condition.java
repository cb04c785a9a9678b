package dev.wsroute.operator.translate;

/** A condition as translation decides it; the time it last changed is added when status is written. */
public record Condition(String type, String status, String reason, String message) {
    public static final String ACCEPTED = "Accepted";
    public static final String RESOLVED_REFS = "ResolvedRefs";
    public static final String READY = "Ready";
    /**
     * Present only when False: {@code status.pools} could not list every endpoint within what the API server stores
     * (the status writer adds it; the translation always has every endpoint).
     */
    public static final String POOLS_COMPLETE = "PoolsComplete";

    /** Reasons, Gateway API style: the positive one is named after the condition. */
    public static final String INVALID = "Invalid";
    public static final String HOST_CONFLICT = "HostConflict";
    public static final String SECRET_NOT_FOUND = "SecretNotFound";
    public static final String INVALID_SECRET = "InvalidSecret";
    public static final String ENDPOINTS_RESOLVED = "EndpointsResolved";
    public static final String NO_READY_ENDPOINTS = "NoReadyEndpoints";
    /** A pool's new connections go to terminating endpoints that still serve (no ready one): a deploy in progress. */
    public static final String TERMINATING_ENDPOINTS_ONLY = "TerminatingEndpointsOnly";
    /** PoolsComplete=False: every endpoint listed would make the status larger than etcd stores. */
    public static final String STATUS_TOO_LARGE = "StatusTooLarge";

    public static Condition isTrue(String type, String reason, String message) {
        return new Condition(type, "True", reason, message);
    }

    public static Condition isFalse(String type, String reason, String message) {
        return new Condition(type, "False", reason, message);
    }

    public static Condition unknown(String type, String reason, String message) {
        return new Condition(type, "Unknown", reason, message);
    }
}
