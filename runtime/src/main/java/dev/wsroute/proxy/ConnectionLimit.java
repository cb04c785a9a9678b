package dev.wsroute.proxy;

/**
 * The client-connection limit in force, and why it is not {@code wsroute.limits.max-connections} when it is not
 * (the open-files limit did not fit it, see {@link FileDescriptorBudget}): what the status page shows beside the
 * connection count.
 *
 * @param effective client connections taken at most
 * @param configured {@code wsroute.limits.max-connections}
 * @param openFilesLimit the process's open-files limit at start; 0 or less if unknown
 * @param openAtStart descriptors open at start
 * @param kept descriptors kept free beyond those: idle upstream connections, probes, jars
 */
public record ConnectionLimit(int effective, int configured, long openFilesLimit, long openAtStart, long kept) {

    /** Null when the configured limit is in force; else why it was lowered, in a line. */
    public String reason() {
        if (effective >= configured) {
            return null;
        }
        return "wsroute.limits.max-connections=" + configured + " does not fit in the open-files limit of " + openFilesLimit
                + " (2 per proxied WebSocket, " + openAtStart + " open at start, " + kept
                + " kept for idle upstream connections and spare); raise the limit (ulimit -n, LimitNOFILE=, the container "
                + "runtime's nofile) to at least "
                + (2L * configured + openAtStart + kept);
    }
}
