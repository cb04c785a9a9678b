package dev.wsroute.testing;

import java.util.function.Function;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.wsroute.testing.ScriptedUpstream.Answer;
import dev.wsroute.testing.ScriptedUpstream.Request;

/**
 * A test class's proxy in front of a {@link ScriptedUpstream} (plain HTTP for host {@code up.test}), for the whole
 * class: started before the first test, closed after the last, the upstream's record of requests cleared before
 * each test. {@code @RegisterExtension static final ScriptedProxy http = new ScriptedProxy(firstScript);}
 */
public final class ScriptedProxy implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private final Function<Request, Answer> firstScript;
    private ScriptedUpstream upstream;
    private ProxyHarness px;

    public ScriptedProxy(Function<Request, Answer> firstScript) {
        this.firstScript = firstScript;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        upstream = new ScriptedUpstream(firstScript);
        px = new ProxyHarness(TestConfig.wsroute());
        px.routes(upstream.routes());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        upstream.requests.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        px.close();
        upstream.close();
    }

    public ScriptedUpstream upstream() {
        return upstream;
    }

    public ProxyHarness px() {
        return px;
    }

    public int port() {
        return px.port();
    }
}
