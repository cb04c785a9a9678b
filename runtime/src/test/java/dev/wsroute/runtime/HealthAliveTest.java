package dev.wsroute.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** Liveness fails only for an I/O thread silent a whole minute: a loaded proxy is never restarted for being busy. */
class HealthAliveTest {

    @Test
    void downOnlyOnceAnIoThreadHasBeenSilentForAMinute() {
        assertThat(Health.Alive.alive(Duration.ZERO).getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(Health.Alive.alive(Duration.ofSeconds(59)).getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        HealthCheckResponse wedged = Health.Alive.alive(Duration.ofSeconds(61));
        assertThat(wedged.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(wedged.getData()).get().extracting(d -> d.get("ioThreadSilenceSeconds")).isEqualTo(61L);
    }
}
