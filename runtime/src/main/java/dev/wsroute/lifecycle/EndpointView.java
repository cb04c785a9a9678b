package dev.wsroute.lifecycle;

import dev.wsroute.table.RuleKey;

/**
 * One health-checked endpoint of one rule, read-only, for status, metrics and the status page.
 *
 * @param healthy whether it takes new connections (its probes pass and it is not ejected)
 * @param poolFailingOpen whether its rule found no healthy endpoint and sends new connections to every ready one
 */
public record EndpointView(RuleKey rule, String endpoint, boolean healthy, boolean probesPass, boolean ejected, long ejections,
        boolean poolFailingOpen) {
}
