package dev.wsroute.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.WsClient;

/**
 * The demo's echo backend upgrades even where Quarkus has switched Vert.x WebSockets off for the JVM: an app without a
 * WebSocket extension sets {@code vertx.disableWebsockets=true}, and the Vert.x of the next app started in the same JVM
 * (a test run with several profiles, dev mode) reads it when its HTTP server class initialises. Here that next app is
 * a fresh class loader over the same class path, started after the property is set.
 */
class DemoBackendTest {

    @Test
    void upgradesWhereQuarkusHasSwitchedVertxWebSocketsOff() throws Exception {
        String before = System.setProperty("vertx.disableWebsockets", "true");
        try (URLClassLoader nextApp = new URLClassLoader(classPath(), ClassLoader.getPlatformClassLoader())) {
            Class<?> backendClass = nextApp.loadClass(DemoBackend.class.getName());
            assertThat(backendClass).isNotSameAs(DemoBackend.class);
            Constructor<?> make = backendClass.getDeclaredConstructor(int.class);
            make.setAccessible(true);
            Object backend = make.newInstance(0);
            Method start = backendClass.getDeclaredMethod("start");
            Method port = backendClass.getDeclaredMethod("port");
            Method close = backendClass.getDeclaredMethod("close");
            start.setAccessible(true);
            port.setAccessible(true);
            close.setAccessible(true);
            start.invoke(backend);
            try (WsClient ws = WsClient.connect((int) port.invoke(backend), "/echo")) {
                assertThat(ws.roundTrip("still a WebSocket")).isEqualTo("still a WebSocket");
            } finally {
                close.invoke(backend);
            }
        } finally {
            if (before == null) {
                System.clearProperty("vertx.disableWebsockets");
            } else {
                System.setProperty("vertx.disableWebsockets", before);
            }
        }
    }

    private static URL[] classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator)).map(p -> {
            try {
                return Path.of(p).toUri().toURL();
            } catch (java.net.MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }).toArray(URL[]::new);
    }
}
