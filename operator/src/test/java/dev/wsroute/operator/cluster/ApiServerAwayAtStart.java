package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** The API server, behind a link that is cut before the application starts (the test restores it). */
public class ApiServerAwayAtStart extends ApiServerBehindLink {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        link().cut();
        return config;
    }

    /** What a replica that could not list yet says: alive (no restart from the liveness probe), not ready, and why. */
    static void assertAliveNotSyncedYet(URL ready, URL live) throws Exception {
        HttpResponse<String> readiness = get(ready.toURI());
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(readiness.body()).contains("not synced yet");
        assertThat(get(live.toURI()).statusCode()).as("alive: no restart from the liveness probe").isEqualTo(200);
    }

    static boolean ready(URL ready) throws IOException, InterruptedException, URISyntaxException {
        return get(ready.toURI()).statusCode() == 200;
    }

    static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
