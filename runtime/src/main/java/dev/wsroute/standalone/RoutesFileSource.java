package dev.wsroute.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.TlsProblem;
import dev.wsroute.tls.TlsResolver;

/**
 * Standalone mode's route source: the routes file, read again whenever its content changes. Polling the
 * content (not file events) catches in-place writes, renames and a ConfigMap's symlink swap alike, within two
 * polls of {@link #POLL_MILLIS} (a change is applied once it reads the same twice, so a half-written file never is).
 * A file that does not parse or validate leaves the last good table in force.
 */
public final class RoutesFileSource implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RoutesFileSource.class);
    /** Larger files are refused unread (the Kubernetes API caps one object near 1.5 MB; a routes file is many). */
    public static final long MAX_FILE_BYTES = 4L * 1024 * 1024;
    static final long POLL_MILLIS = 250;

    private final Path file;
    private final RouteTableHolder holder;
    private final Function<List<JsonNode>, TlsResolver> tls;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wsroute-routes-file");
        t.setDaemon(true);
        return t;
    });
    private byte[] lastContent;
    private List<Path> pemFiles = List.of();
    private byte[] pending; // changed content read once; applied when the next poll reads it unchanged
    private long version;
    private volatile String lastError;
    private RoutesDocuments.Parsed inForce; // what the table in force was built from
    private ScheduledFuture<?> validityCheck; // one for the whole table

    /** @param tls builds the TLS resolver for the Secret documents of a file version */
    public RoutesFileSource(Path file, RouteTableHolder holder, Function<List<JsonNode>, TlsResolver> tls) {
        this.file = file;
        this.holder = holder;
        this.tls = tls;
    }

    /** Loads the file once (so readiness follows a good first load) and starts watching it. */
    public RoutesFileSource start() {
        poll(true);
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The problem with the file's current content, or null when it is in force. */
    public String lastError() {
        return lastError;
    }

    synchronized void poll() {
        poll(false);
    }

    /**
     * Reads the file; a changed content is applied once two polls in a row read it the same, so that a write in
     * progress (an in-place write truncates first) is never published. {@code now}: apply at once (first load).
     */
    private synchronized void poll(boolean now) {
        byte[] content;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                report(file + ": " + size + " bytes is more than the limit of " + MAX_FILE_BYTES + " bytes (4 MiB); "
                        + "keeping the last good routes");
                return;
            }
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            // a relative path is read from the working directory: say which one, the usual surprise of `java -jar`
            String where = file.isAbsolute() ? "" : " (looked for " + file.toAbsolutePath() + ")";
            report(file + ": not found" + where + "; keeping the last good routes (set wsroute.routes-file)");
            return;
        } catch (IOException e) {
            report(file + ": cannot be read (" + e.getMessage() + "); keeping the last good routes");
            return;
        }
        byte[] routes = content;
        content = withPemFiles(content); // a rotated certificate file is a change too
        if (Arrays.equals(content, lastContent)) {
            pending = null;
            return;
        }
        if (!now && !Arrays.equals(content, pending)) {
            pending = content;
            return;
        }
        pending = null;
        lastContent = content;
        try {
            RoutesDocuments.Parsed parsed = RoutesDocuments.parse(file.toString(), routes);
            if (parsed.valid()) {
                lastError = null; // before the table is published, so nobody sees the new table with the old error
            }
            String problem = apply(parsed, holder, tls, ++version);
            if (problem != null) {
                lastError = problem;
            } else {
                pemFiles = pemFiles(parsed.routes());
                lastContent = withPemFiles(routes);
                inForce = parsed;
                scheduleValidityCheck();
            }
        } catch (RuntimeException e) { // an exception would end the scheduled polling for good
            LOG.error(file + ": routes not applied; the last good routes stay in force", e);
            lastError = file + ": routes not applied: " + e;
        }
    }

    /**
     * A certificate that expires (or becomes valid) while the file stays the same must take effect then, not at the
     * next change: one timer, at the earliest such instant of the table in force, rebuilds the table from the same
     * documents (the route turns InvalidCertificate, with its WARN line, and gets the default certificate).
     */
    private synchronized void scheduleValidityCheck() {
        if (validityCheck != null) {
            validityCheck.cancel(false);
            validityCheck = null;
        }
        Instant now = Instant.now();
        holder.current().certificates().nextValidityChange(now).ifPresent(at -> {
            // notAfter is the last valid second: one second past it, the certificate is expired on any clock reading
            long delay = Math.max(0, Duration.between(now, at).toMillis()) + 1000;
            validityCheck = poller.schedule(this::recheckValidity, delay, TimeUnit.MILLISECONDS);
        });
    }

    private synchronized void recheckValidity() {
        validityCheck = null;
        if (inForce == null) {
            return;
        }
        try {
            LOG.infof("a certificate's validity period began or ended: rebuilding routes version %d", version + 1);
            if (apply(inForce, holder, tls, ++version) == null) {
                scheduleValidityCheck();
            }
        } catch (RuntimeException e) {
            LOG.error(file + ": routes not rebuilt at a certificate's expiry", e);
        }
    }

    /** The routes file's bytes followed by those of every PEM file its routes name (certFile, keyFile, caFile). */
    private byte[] withPemFiles(byte[] routes) {
        if (pemFiles.isEmpty()) {
            return routes;
        }
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.writeBytes(routes);
        for (Path p : pemFiles) {
            all.write(0);
            try {
                all.writeBytes(Files.readAllBytes(p));
            } catch (IOException e) {
                all.write(1); // missing or unreadable: the resolver reports it for that route
            }
        }
        return all.toByteArray();
    }

    private List<Path> pemFiles(List<dev.wsroute.model.Route> routes) {
        Path base = file.toAbsolutePath().getParent();
        List<Path> out = new java.util.ArrayList<>();
        for (dev.wsroute.model.Route r : routes) {
            r.tls().ifPresent(t -> {
                if (t.certFile() != null) {
                    out.add(base.resolve(t.certFile()));
                    out.add(base.resolve(t.keyFile()));
                }
            });
            for (dev.wsroute.model.Rule rule : r.rules()) {
                rule.upstreamTls().map(dev.wsroute.model.Rule.UpstreamTls::caFile).ifPresent(f -> out.add(base.resolve(f)));
            }
        }
        return List.copyOf(out);
    }

    /** Builds and publishes a table from parsed documents; returns the first problem when nothing was applied. */
    public static String apply(RoutesDocuments.Parsed parsed, RouteTableHolder holder, Function<List<JsonNode>, TlsResolver> tls, long version) {
        if (!parsed.valid()) {
            parsed.errors().forEach(e -> LOG.error(e));
            LOG.errorf("routes not applied: %d problem(s); the last good routes stay in force", parsed.errors().size());
            return parsed.errors().get(0);
        }
        TableBuilder builder = new TableBuilder(EndpointSource.STATIC, tls.apply(parsed.secrets()));
        RouteTable table = builder.build(version, parsed.routes(), RoutesFileSource::warn);
        holder.publish(table);
        LOG.infof("routes version %d in force: %d route(s)", version, parsed.routes().size());
        return null;
    }

    private static void warn(TlsProblem p) {
        LOG.warnf("route %s: %s: %s", p.route(), p.reason(), p.message());
    }

    private void report(String problem) {
        if (!problem.equals(lastError)) {
            LOG.error(problem);
        }
        lastError = problem;
        lastContent = null;
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
