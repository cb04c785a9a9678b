package dev.wsroute.api;

/** The duration syntax of the API ({@code 10s}, {@code 1h30m}, {@code 500ms}), for schema patterns. */
final class Durations {
    static final String PATTERN = "^([0-9]+(ms|h|m|s))+$";

    private Durations() {
    }
}
