package dev.wsroute.operator.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.wsroute.runtime.WsRouteRuntime;
import io.quarkus.runtime.StartupEvent;

/**
 * A client that reaches the listener as early as an application's own start-up observer can: right after the data
 * plane has bound, before the default-priority observers. Only where a test profile turns it on.
 */
@ApplicationScoped
public class FirstRequestAtStartup {
    @ConfigProperty(name = "demo-test.first-request-at-startup", defaultValue = "false")
    boolean enabled;
    @Inject
    WsRouteRuntime runtime;

    private volatile String answer = "not asked";

    void ask(@Observes @Priority(Interceptor.Priority.APPLICATION) StartupEvent event) {
        if (!enabled) {
            return;
        }
        try {
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.dataPlane().port() + "/"))
                    .timeout(Duration.ofSeconds(30)).build();
            answer = Integer.toString(HttpClient.newHttpClient().send(get, HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (Exception e) {
            answer = e.toString();
        }
    }

    /** The status of GET / on the listener at that moment, or what went wrong. */
    String answer() {
        return answer;
    }
}
