package dev.wsroute.config;

import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The extension's settings built the way Quarkus builds them (the same mapping, its defaults, Quarkus's converters)
 * from these values alone: for data planes started outside the app's own configuration (the warm-up's, tests').
 */
public final class WsRouteConfigs {
    private WsRouteConfigs() {
    }

    /** {@code values}: property names and values; everything else takes its default. */
    public static WsRouteConfig of(Map<String, String> values, String sourceName) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withMapping(WsRouteConfig.class)
                .withSources(new PropertiesConfigSource(values, sourceName, 500))
                .build()
                .getConfigMapping(WsRouteConfig.class);
    }
}
