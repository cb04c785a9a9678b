package dev.wsroute.model;

/** The balancing policy of a rule; {@code hashOn} is set for ConsistentHash only. */
public record LoadBalancing(Policy policy, HashOn hashOn) {

    public static final LoadBalancing DEFAULT = new LoadBalancing(Policy.LeastConnections, null);

    public enum Policy { LeastConnections, RoundRobin, Random, ConsistentHash }

    /** The request attribute a consistent hash is computed over. */
    public record HashOn(Source source, String name) {
        public enum Source { header, cookie, queryParam, sourceIP }
    }
}
