package dev.wsroute.proxy;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import dev.wsroute.lifecycle.BriefSessions;
import dev.wsroute.lifecycle.RebalancePlanner;
import dev.wsroute.model.Lifecycle.Rebalance;
import dev.wsroute.model.LoadBalancing;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RuleKey;

/**
 * {@code rebalance}: for each rule that asks for it, closes sockets on its endpoints most over their share with 1012 while
 * {@link RebalancePlanner} says so, never more than {@code maxClosesPerSecond} in any second (the times of the last
 * closes are kept per rule). Only healthy endpoints count; the others keep their sockets. Counting sockets walks
 * every open tunnel, so it is done every {@link #TICK_MILLIS} only while some rule is shedding, and once a second
 * (or at once after a new table) while every rule is within tolerance; the rules are found once per table. Runs on
 * one event loop; the closes run on each tunnel's own loop.
 * <p>
 * A LeastConnections rule counts an endpoint's sockets as its balancer does: those of every rule and route (an
 * endpoint is often shared by several rules). Counted per rule, a rule whose sockets sit on an endpoint that another
 * rule keeps busy looks unbalanced for good, and each socket it sheds reconnects to that same endpoint, the least
 * loaded one: a close every 1/maxClosesPerSecond s, forever. It still sheds only its own sockets, and stops when
 * the endpoint to shed from holds none of them. Other policies count the rule's own sockets.
 * <p>
 * Sockets on their way out — being closed, or draining because the table no longer keeps their endpoint for their
 * rule (a terminating pod the rule falls back to, a pod another rule or route dropped) — stay counted where they are
 * but are not load to shed: they get Close 1001 when their drain ends, and the sockets beside them stay.
 * <p>
 * A rule holds back while one of its endpoints that holds no more than its share ends the sessions placed on it at
 * once ({@link BriefSessions}: closed by the upstream, any code, within 10 s of the 101, in the last 10 s): the
 * sockets it shed landed there and went, and each lowered the total, so it shed on down to nothing. One WARN line
 * on {@code wsroute.rebalance} each time a rule starts holding back.
 */
final class Rebalancer {
    private static final long SECOND = 1_000_000_000L;
    /** How often {@link #tick} runs (the pace of closes while shedding). */
    static final long TICK_MILLIS = 100;
    /** How often the sockets are counted while every rule is balanced. */
    static final long BALANCED_RECOUNT_NANOS = SECOND;

    private static final Logger LOG = Logger.getLogger("wsroute.rebalance");

    private final TunnelRegistry tunnels;
    private final UpstreamDialer dialer;
    private final BriefSessions briefSessions;
    private final Map<RuleKey, ArrayDeque<Long>> recentCloses = new HashMap<>();
    private final Map<RuleKey, String> heldBackBy = new HashMap<>();
    private RouteTable table;
    private Map<RuleKey, CompiledRule> rules = Map.of();
    private long nextCount;
    private long counts;

    Rebalancer(TunnelRegistry tunnels, UpstreamDialer dialer, BriefSessions briefSessions) {
        this.tunnels = tunnels;
        this.dialer = dialer;
        this.briefSessions = briefSessions;
    }

    void tick(long now) {
        RouteTable current = tunnels.current();
        if (current != table) { // a new table: find its rules with rebalance, and count at once
            table = current;
            rules = rebalanced(current);
            recentCloses.keySet().retainAll(rules.keySet());
            heldBackBy.keySet().retainAll(rules.keySet());
            briefSessions.watch(rules.keySet());
            nextCount = now;
        }
        if (rules.isEmpty() || now - nextCount < 0) {
            return;
        }
        counts++;
        briefSessions.sweep(now);
        Map<RuleKey, Map<String, int[]>> ruleCounts = new HashMap<>(); // per rule and endpoint: open, going
        Map<RuleKey, Map<String, List<Tunnel>>> sheddable = new HashMap<>(); // per rule and endpoint: neither closing nor draining
        Map<String, int[]> everyRule = new HashMap<>(); // per endpoint: open, going, over every rule and route
        for (Tunnel t : tunnels.live()) {
            boolean going = going(t, current);
            count(everyRule.computeIfAbsent(t.endpoint().key(), x -> new int[2]), going);
            if (t.pool() instanceof RuleKey k && rules.containsKey(k)) {
                count(ruleCounts.computeIfAbsent(k, x -> new HashMap<>()).computeIfAbsent(t.endpoint().key(), x -> new int[2]), going);
                if (!going) {
                    sheddable.computeIfAbsent(k, x -> new HashMap<>())
                            .computeIfAbsent(t.endpoint().key(), x -> new java.util.ArrayList<>()).add(t);
                }
            }
        }
        boolean shedding = false;
        for (Map.Entry<RuleKey, CompiledRule> e : rules.entrySet()) {
            RuleKey k = e.getKey();
            Map<String, int[]> counted = e.getValue().pool().policy().policy() == LoadBalancing.Policy.LeastConnections ? everyRule
                    : ruleCounts.getOrDefault(k, Map.of());
            shedding |= shed(k, e.getValue(), counted, sheddable.getOrDefault(k, Map.of()), now);
        }
        nextCount = shedding ? now : now + BALANCED_RECOUNT_NANOS;
    }

    /**
     * Whether the socket is on its way out already: the proxy is closing it (or was asked to), or it drains because
     * the table no longer keeps its endpoint for its rule (a terminating pod, taking new connections only as a
     * fallback; a pod another rule or route left). It still counts on its endpoint, as the load stays there until its
     * client reconnects, but it is not shed: a draining socket gets its Close 1001 when the drain period ends, and
     * counted as load it made the sockets beside it, which stay, look like too many.
     */
    private static boolean going(Tunnel t, RouteTable table) {
        return t.closing() || !table.keeps(t.pool(), t.endpoint().key());
    }

    private static void count(int[] n, boolean going) {
        n[0]++;
        if (going) {
            n[1]++;
        }
    }

    /** How many times the open tunnels were counted. */
    long counts() {
        return counts;
    }

    /**
     * The rules that ask for rebalancing, but for ConsistentHash ones: a client told to reconnect hashes to the same
     * endpoint again, so shedding a loaded one closed its sockets at maxClosesPerSecond for good and moved none
     * (rendezvous hashing already sends its share of new keys to a new endpoint).
     */
    private static Map<RuleKey, CompiledRule> rebalanced(RouteTable table) {
        Map<RuleKey, CompiledRule> out = new HashMap<>();
        for (CompiledRoute route : table.routes()) {
            for (CompiledRule rule : route.rules()) {
                if (rule.rule().lifecycle().rebalance().isPresent() && rule.key() instanceof RuleKey key
                        && rule.pool().policy().policy() != LoadBalancing.Policy.ConsistentHash) {
                    out.put(key, rule);
                }
            }
        }
        return out;
    }

    /**
     * Closes this tick's share of sockets; returns whether the rule still wants some closed.
     *
     * @param counted per endpoint, sockets open and going: the rule's own, or for LeastConnections those of every rule
     * @param sockets per endpoint, the rule's sockets that may be shed
     */
    private boolean shed(RuleKey key, CompiledRule rule, Map<String, int[]> counted, Map<String, List<Tunnel>> sockets, long now) {
        Rebalance r = rule.rule().lifecycle().rebalance().orElseThrow();
        ArrayDeque<Long> recent = recentCloses.computeIfAbsent(key, k -> new ArrayDeque<>());
        while (!recent.isEmpty() && now - recent.peekFirst() >= SECOND) {
            recent.pollFirst();
        }
        Map<String, Integer> open = new HashMap<>();
        Map<String, Integer> closing = new HashMap<>();
        Map<String, Double> weights = new HashMap<>();
        for (Endpoint e : dialer.health.usable(key, rule.pool().endpoints())) {
            int[] n = counted.getOrDefault(e.key(), new int[2]);
            open.put(e.key(), n[0]);
            closing.put(e.key(), n[1]);
            weights.put(e.key(), e.weight());
        }
        java.util.Set<String> endsAtOnce = new java.util.HashSet<>();
        for (String endpoint : open.keySet()) {
            if (briefSessions.endsAtOnce(key, endpoint, now)) {
                endsAtOnce.add(endpoint);
            }
        }
        String landing = RebalancePlanner.wouldLandOn(open, weights, endsAtOnce);
        if (landing != null) {
            if (RebalancePlanner.shedFrom(open, closing, weights, r.tolerance()) != null && !landing.equals(heldBackBy.put(key, landing))) {
                LOG.warnf("rebalance of %s holds back: endpoint %s ended a session placed on it within %ds of its 101;"
                        + " sockets moved there would not stay", key, landing, BriefSessions.BRIEF_NANOS / 1_000_000_000L);
            }
            return false;
        }
        int thisTick = (int) Math.max(1, Math.ceil(r.maxClosesPerSecond() * TICK_MILLIS / 1000.0)); // spread over the second
        while (true) {
            String from = RebalancePlanner.shedFrom(open, closing, weights, r.tolerance());
            if (from == null) {
                heldBackBy.remove(key); // within tolerance: holding back again is news again
                return false;
            }
            if (thisTick-- <= 0 || recent.size() >= r.maxClosesPerSecond()) {
                return true; // more next tick
            }
            List<Tunnel> candidates = sockets.getOrDefault(from, List.of());
            if (candidates.isEmpty()) {
                return false;
            }
            Tunnel victim = candidates.remove(candidates.size() - 1);
            victim.closeSoon(CloseCause.REBALANCE);
            closing.merge(from, 1, Integer::sum);
            counted.get(from)[1]++; // for the next rule that shares the endpoint (it holds the victim: counted)
            recent.addLast(now);
        }
    }
}
