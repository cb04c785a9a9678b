package dev.wsroute.bench;

import io.netty.channel.Channel;

/**
 * A connection or worker of a scenario: started when the run begins, its {@link Tally} read once the run is over
 * ({@link LoadGen.Setup#measure}).
 */
interface Participant {
    void start(Run run);

    Tally tally();

    /** What one participant counted in the measured window; written on its event loop only. */
    final class Tally {
        final Latency latency = new Latency();
        long ops;
        long errors;
    }

    /** One opened before the run (echo, HTTP): only those that opened take part ({@link LoadGen.Setup#measureConnections}). */
    interface Connection extends Participant {
        boolean isOpen();

        Channel channel();
    }
}
