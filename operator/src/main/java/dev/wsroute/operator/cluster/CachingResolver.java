package dev.wsroute.operator.cluster;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.wsroute.api.PortRef;
import dev.wsroute.model.Backend.ServiceRef;
import dev.wsroute.operator.translate.BackendResolver;
import dev.wsroute.operator.translate.ResolvedBackend;

/**
 * Remembers resolved Services until told one changed: an EndpointSlice event re-resolves only the pools of that
 * Service, not every backend of every route. Confined to the table-sync thread ({@link #invalidate} is called
 * there, before a rebuild, so a resolution never outlives the change that made it stale).
 */
final class CachingResolver implements BackendResolver {
    private final BackendResolver delegate;
    private final Map<String, Map<PortRef, ResolvedBackend>> byService = new ConcurrentHashMap<>();
    private long resolutions;

    CachingResolver(BackendResolver delegate) {
        this.delegate = delegate;
    }

    @Override
    public ResolvedBackend resolve(String namespace, ServiceRef ref) {
        return byService.computeIfAbsent(namespace + "/" + ref.name(), k -> new ConcurrentHashMap<>())
                .computeIfAbsent(ref.port(), p -> {
                    resolutions++;
                    return delegate.resolve(namespace, ref);
                });
    }

    /** @param services "namespace/name" keys */
    void invalidate(Set<String> services) {
        services.forEach(byService::remove);
    }

    void invalidateAll() {
        byService.clear();
    }

    /** How many times a Service was actually resolved (to show that endpoint churn stays local). */
    long resolutions() {
        return resolutions;
    }
}
