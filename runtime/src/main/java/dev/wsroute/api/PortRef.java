package dev.wsroute.api;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A port given by number or by name (Kubernetes' int-or-string). */
public final class PortRef {
    private final Integer number;
    private final String name;

    private PortRef(Integer number, String name) {
        this.number = number;
        this.name = name;
    }

    public static PortRef of(int number) {
        return new PortRef(number, null);
    }

    public static PortRef of(String name) {
        return new PortRef(null, name);
    }

    @JsonCreator
    public static PortRef parse(Object value) {
        if (value instanceof Number n) {
            return of(n.intValue());
        }
        String s = String.valueOf(value);
        return s.chars().allMatch(Character::isDigit) && !s.isEmpty() ? of(Integer.parseInt(s)) : of(s);
    }

    /** The number, or null when the port is named. */
    public Integer number() {
        return number;
    }

    /** The name, or null when the port is a number. */
    public String name() {
        return name;
    }

    @JsonValue
    public Object value() {
        return number != null ? number : name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortRef p && Objects.equals(number, p.number) && Objects.equals(name, p.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(number, name);
    }

    @Override
    public String toString() {
        return String.valueOf(value());
    }
}
