package dev.wsroute.api;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A size as Kubernetes writes quantities ({@code 1Mi}, {@code 64Ki}, {@code 500k}, {@code 1048576}), kept as the user
 * wrote it; {@code dev.wsroute.model.ByteSizes} turns it into bytes and says what is wrong with it.
 */
public final class ByteQuantity {
    private final String text;

    private ByteQuantity(String text) {
        this.text = text;
    }

    @JsonCreator
    public static ByteQuantity parse(Object value) {
        return new ByteQuantity(String.valueOf(value));
    }

    public static ByteQuantity of(String text) {
        return new ByteQuantity(text);
    }

    @JsonValue
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteQuantity q && Objects.equals(text, q.text);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
