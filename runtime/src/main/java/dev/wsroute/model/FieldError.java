package dev.wsroute.model;

/** A problem with one field of a route, named by its path (for example {@code spec.rules[0].match.path.value}). */
public record FieldError(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
