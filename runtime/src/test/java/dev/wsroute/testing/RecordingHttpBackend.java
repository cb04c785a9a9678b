package dev.wsroute.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

/**
 * An independent HTTP/1.1 server (the JDK's own, which shares no code with our parser) that records every request
 * it reads, as {@code "METHOD target body"}, and answers 200 echoing that line. It is the judge of a desync test:
 * whatever it records is what an upstream behind the proxy would have acted on.
 */
public final class RecordingHttpBackend implements AutoCloseable {
    public final List<String> seen = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    public RecordingHttpBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String line = exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery())
                    + (body.length == 0 ? "" : " " + new String(body, StandardCharsets.ISO_8859_1));
            seen.add(line);
            byte[] answer = line.getBytes(StandardCharsets.ISO_8859_1);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool()); // a request cut short must not hold up the others
        server.start();
    }

    public String endpoint() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
