package dev.wsroute.testing;

import java.util.concurrent.Callable;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One peer (a backend, a server) shared by all tests of a class: opened before the first, closed after the last.
 * {@code @RegisterExtension static final PerClass<EchoBackend> app = new PerClass<>(() -> EchoBackend.start("app"));}
 */
public final class PerClass<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {
    private final Callable<T> open;
    private T peer;

    public PerClass(Callable<T> open) {
        this.open = open;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        peer = open.call();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        peer.close();
    }

    public T get() {
        return peer;
    }
}
